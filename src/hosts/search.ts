// The hosts table's search box: every word must appear in one of the fields the table shows (id,
// hostname, state, MACs, serial, UUID, vendor, model, CPU model, IP, arch, firmware, installer,
// profile, rule, power as "power on") or in the BMC address the facts report. A word that looks like (part of) a MAC matches however it is written: B8-CA-3A,
// b8ca3a, B8:CA:3A and b8ca.3a00 all find b8:ca:3a:00:…, because MACs are also compared as bare hex.
import type { Host } from './host.js';

interface Haystack {
  text: string;
  hex: string;
}

// One haystack per stored host object (a save replaces the object, so a change gets a fresh one).
const haystacks = new WeakMap<Readonly<Host>, Haystack>();

function haystack(host: Readonly<Host>): Haystack {
  let h = haystacks.get(host);
  if (!h) {
    const s = host.summary;
    const macs = [host.boot_mac, ...host.macs];
    h = {
      text: [
        host.id,
        host.hostname,
        host.state,
        ...macs,
        host.serial,
        s.serial,
        host.uuid,
        s.vendor,
        s.product,
        s.cpu_model,
        s.ip,
        s.bmc_ip,
        s.arch,
        s.firmware,
        s.installer,
        host.assignment?.profile,
        host.assignment?.rule,
        host.power ? `power ${host.power.state}` : undefined,
      ]
        .filter(Boolean)
        .join('\n')
        .toLowerCase(),
      hex: macs.map(bareHex).join('\n'),
    };
    haystacks.set(host, h);
  }
  return h;
}

function bareHex(mac: string): string {
  return mac.toLowerCase().replace(/[^0-9a-f]/g, '');
}

// Colon or hyphen pairs (B8-CA-3A, :3a:0), Cisco dotted quads (b8ca.3a00) or four to twelve bare hex
// digits. Dotted IPv4 addresses are not MAC-like: their groups are never four digits long.
const MAC_LIKE = [/^[:-]?[0-9a-f]{1,2}(?:[:-][0-9a-f]{1,2})*[:-]?$/, /^[0-9a-f]{4}(?:\.[0-9a-f]{1,4})+\.?$/, /^[0-9a-f]{4,12}$/];

export interface SearchTerm {
  text: string;
  hex?: string;
}

/** The search text as terms: whitespace separates words, each must match. */
export function searchTerms(q: string): SearchTerm[] {
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .map((text) => {
      const hex = bareHex(text);
      return MAC_LIKE.some((re) => re.test(text)) && hex.length >= 2 ? { text, hex } : { text };
    });
}

export function matchesSearch(terms: readonly SearchTerm[], host: Readonly<Host>): boolean {
  if (!terms.length) return true;
  const h = haystack(host);
  // The address it was last seen from changes in place (touch()), so it is looked at live.
  const seenIp = host.last_seen_ip?.toLowerCase() ?? '';
  return terms.every((t) => h.text.includes(t.text) || seenIp.includes(t.text) || (t.hex !== undefined && h.hex.includes(t.hex)));
}
