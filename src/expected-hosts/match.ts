// Which expected-host records a registering machine matches. Pure: the same answer for the claim at
// registration (claim.ts), the dry run of an import and the host page. A record matches when every
// key it gives matches the machine: a record with a MAC and a serial needs both, so a machine on the
// LAN claiming the MAC alone does not take it.
import type { Facts } from '../discovery/facts.js';
import { normalizeMac, realSerial, realUuid } from '../discovery/identity.js';
import type { ExpectedHost, ExpectedMatch, MatchKey } from './expected-host.js';

/** What a machine offers to match on, normalised as records are (normalizeMatch). */
export interface MachineKeys {
  boot_mac: string;
  macs: ReadonlySet<string>;
  serial?: string;
  asset_tag?: string;
  uuid?: string;
  /** Every NIC's LLDP neighbour as switch (system name, else chassis id) and port (id, else description). */
  ports: readonly { switch: string; port: string }[];
}

export interface ExpectedMatchResult {
  record: Readonly<ExpectedHost>;
  /** The keys that matched (all the record gives). */
  by: MatchKey[];
}

/** `headerSerial`: the X-System-Serial-Number Anaconda sent with GET /ks, when DMI has none. */
export function machineKeys(facts: Facts, headerSerial?: string): MachineKeys {
  const ports: { switch: string; port: string }[] = [];
  for (const nic of facts.nics) {
    const n = nic.lldp;
    const sw = n?.switch ?? n?.chassis_id;
    const port = n?.port ?? n?.port_description;
    if (sw && port) ports.push({ switch: fold(sw), port: fold(port) });
    // A switch may send the port's name in the description and a number in the id: either matches.
    if (sw && n?.port && n.port_description) ports.push({ switch: fold(sw), port: fold(n.port_description) });
  }
  const serial = realSerial(facts.dmi?.serial) ?? realSerial(headerSerial);
  const assetTag = realSerial(facts.dmi?.chassis_asset_tag);
  const uuid = realUuid(facts.dmi?.uuid);
  return {
    boot_mac: normalizeMac(facts.boot_mac),
    macs: new Set(facts.nics.map((n) => normalizeMac(n.mac))),
    ...(serial ? { serial: fold(serial) } : {}),
    ...(assetTag ? { asset_tag: fold(assetTag) } : {}),
    ...(uuid ? { uuid } : {}),
    ports,
  };
}

/** Serials, asset tags and switch names are compared trimmed and case-folded: packing lists and
 *  firmware disagree on case more often than on characters. */
function fold(text: string): string {
  return text.trim().toLowerCase();
}

/** A record's keys as they are stored: MACs lower case, UUID lower case, the rest trimmed. */
export function normalizeMatch(match: ExpectedMatch): ExpectedMatch {
  const out: ExpectedMatch = {};
  if (match.boot_mac) out.boot_mac = normalizeMac(match.boot_mac.trim());
  if (match.mac) out.mac = normalizeMac(match.mac.trim());
  if (match.uuid) out.uuid = match.uuid.trim().toLowerCase();
  for (const key of ['serial', 'asset_tag', 'switch', 'port'] as const) {
    const v = match[key]?.trim();
    if (v) out[key] = v;
  }
  return out;
}

/** The keys of a record that match, or undefined when one it gives does not (or it gives none). */
export function matchRecord(match: ExpectedMatch, machine: MachineKeys): MatchKey[] | undefined {
  const by: MatchKey[] = [];
  const check = (key: MatchKey, ok: boolean): boolean => {
    if (ok) by.push(key);
    return ok;
  };
  if (match.boot_mac !== undefined && !check('boot_mac', normalizeMac(match.boot_mac) === machine.boot_mac)) return undefined;
  if (match.mac !== undefined && !check('mac', machine.macs.has(normalizeMac(match.mac)))) return undefined;
  if (match.serial !== undefined && !check('serial', fold(match.serial) === machine.serial)) return undefined;
  if (match.asset_tag !== undefined && !check('asset_tag', fold(match.asset_tag) === machine.asset_tag)) return undefined;
  if (match.uuid !== undefined && !check('uuid', match.uuid.toLowerCase() === machine.uuid)) return undefined;
  if (match.switch !== undefined || match.port !== undefined) {
    const sw = fold(match.switch ?? '');
    const port = fold(match.port ?? '');
    if (!sw || !port || !machine.ports.some((p) => p.switch === sw && p.port === port)) return undefined;
    by.push('switch', 'port');
  }
  return by.length ? by : undefined;
}

/** Every record the machine matches, in the order given. Looked up through an index of the list (built
 *  once per version of it: the stores keep their sorted list until a change), so a registration costs
 *  the machine's few keys, not a scan of 20,000 records under the hosts lock. */
export function matchingRecords(records: readonly Readonly<ExpectedHost>[], machine: MachineKeys): ExpectedMatchResult[] {
  const index = indexOf(records);
  const candidates = new Set<number>();
  for (const key of lookupKeys(machine)) for (const at of index.get(key) ?? []) candidates.add(at);
  const out: ExpectedMatchResult[] = [];
  for (const at of [...candidates].sort((a, b) => a - b)) {
    const record = records[at]!;
    const by = matchRecord(record.match, machine);
    if (by) out.push({ record, by });
  }
  return out;
}

const indexes = new WeakMap<readonly Readonly<ExpectedHost>[], Map<string, number[]>>();

/** Record positions by ONE of their keys: a record matches only when every key it gives does, so any
 *  one of them is a key the machine must offer. */
function indexOf(records: readonly Readonly<ExpectedHost>[]): Map<string, number[]> {
  let index = indexes.get(records);
  if (index) return index;
  index = new Map();
  records.forEach((record, at) => {
    const key = recordKey(record.match);
    if (!key) return;
    const list = index.get(key);
    if (list) list.push(at);
    else index.set(key, [at]);
  });
  indexes.set(records, index);
  return index;
}

function recordKey(m: ExpectedMatch): string | undefined {
  if (m.boot_mac) return `mac:${normalizeMac(m.boot_mac)}`;
  if (m.mac) return `mac:${normalizeMac(m.mac)}`;
  if (m.uuid) return `uuid:${m.uuid.toLowerCase()}`;
  if (m.serial) return `serial:${fold(m.serial)}`;
  if (m.asset_tag) return `asset:${fold(m.asset_tag)}`;
  if (m.switch && m.port) return `port:${fold(m.switch)}\n${fold(m.port)}`;
  return undefined;
}

function lookupKeys(machine: MachineKeys): string[] {
  const keys = [...machine.macs, machine.boot_mac].map((mac) => `mac:${mac}`);
  if (machine.uuid) keys.push(`uuid:${machine.uuid}`);
  if (machine.serial) keys.push(`serial:${machine.serial}`);
  if (machine.asset_tag) keys.push(`asset:${machine.asset_tag}`);
  for (const p of machine.ports) keys.push(`port:${p.switch}\n${p.port}`);
  return keys;
}
