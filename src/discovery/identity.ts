// Who is this machine? The boot MAC first (what Foreman uses), then the DMI system UUID, but only a
// real one: vendors ship boards whose UUID is all zeros, all Fs or the famous 03000200-0400-…0009,
// and matching on those would merge every such machine into one host.
import type { Facts } from './facts.js';

/** What identifies a machine: the MAC it booted from, every NIC's MAC, and its DMI system UUID. */
export interface Identity {
  boot_mac: string;
  macs: string[];
  uuid?: string;
}

const PLACEHOLDER_UUIDS = new Set([
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '03000200-0400-0500-0006-000700080009',
  '00020003-0004-0005-0006-000700080009',
  '12345678-1234-5678-90ab-cddeefaabbcc',
]);

const PLACEHOLDER_SERIALS =
  /^(?:|0+|1234567890?|0123456789|none|n\/?a|not (?:specified|available|applicable|present|settable)|to be filled by o\.?e\.?m\.?|default string|system serial number|chassis serial number|serial|x+|\.+|-+)$/i;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function normalizeMac(mac: string): string {
  return mac.toLowerCase();
}

export function realUuid(raw: string | undefined): string | undefined {
  const uuid = raw?.trim().toLowerCase();
  return uuid && UUID.test(uuid) && !PLACEHOLDER_UUIDS.has(uuid) ? uuid : undefined;
}

export function realSerial(raw: string | undefined): string | undefined {
  const serial = raw?.trim();
  return serial && !PLACEHOLDER_SERIALS.test(serial) ? serial : undefined;
}

export function identityOf(facts: Facts): Identity {
  const uuid = realUuid(facts.dmi?.uuid);
  return {
    boot_mac: normalizeMac(facts.boot_mac),
    macs: [...new Set(facts.nics.map((n) => normalizeMac(n.mac)))],
    ...(uuid ? { uuid } : {}),
  };
}
