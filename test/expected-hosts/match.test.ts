import { describe, expect, it } from 'vitest';
import type { Facts } from '../../src/discovery/facts.js';
import type { ExpectedHost, ExpectedMatch } from '../../src/expected-hosts/expected-host.js';
import { machineKeys, matchingRecords, matchRecord } from '../../src/expected-hosts/match.js';

// A small deterministic generator, so a failure is reproducible.
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

const mac = (n: number) => `52:54:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
const uuid = (n: number) => `4c4c4544-0000-0000-0000-${n.toString(16).padStart(12, '0')}`;

function record(id: number, match: ExpectedMatch): ExpectedHost {
  return { id: `eh-${id}`, match, provision: false, created_at: '', updated_at: '' };
}

function machine(n: number, port?: { switch: string; port: string }): Facts {
  return {
    boot_mac: mac(n),
    nics: [
      { name: 'eth0', mac: mac(n), ...(port ? { lldp: { switch: port.switch, port: port.port } } : {}) },
      { name: 'eth1', mac: mac(n + 1000) },
    ],
    dmi: { serial: `SN${n}`, uuid: uuid(n), chassis_asset_tag: `AT${n}` },
  };
}

describe('matching records through the index', () => {
  it('When 5,000 random records of every key kind meet 300 machines, then the indexed lookup answers exactly as a scan of every record', () => {
    const next = random(19);
    const pick = (k: number) => Math.floor(next() * k);
    const records: ExpectedHost[] = [];
    for (let i = 0; i < 5000; i++) {
      const n = pick(400);
      const m: ExpectedMatch = {};
      // One to three keys, some of them wrong on purpose (another machine's), so AND matters.
      const kinds = ['boot_mac', 'mac', 'serial', 'asset_tag', 'uuid', 'port'] as const;
      for (let k = 0; k < 1 + pick(3); k++) {
        const kind = kinds[pick(kinds.length)]!;
        const who = next() < 0.8 ? n : pick(400);
        if (kind === 'boot_mac') m.boot_mac = mac(who).toUpperCase();
        else if (kind === 'mac') m.mac = mac(who + (next() < 0.5 ? 1000 : 0));
        else if (kind === 'serial') m.serial = ` sn${who} `;
        else if (kind === 'asset_tag') m.asset_tag = `AT${who}`;
        else if (kind === 'uuid') m.uuid = uuid(who).toUpperCase();
        else Object.assign(m, { switch: `Leaf-${who % 7}`, port: `Ethernet${who}` });
      }
      records.push(record(i, m));
    }
    let matched = 0;
    for (let n = 0; n < 300; n++) {
      const keys = machineKeys(machine(n, { switch: `leaf-${n % 7}`, port: `ethernet${n}` }));
      const scan = records.flatMap((r) => {
        const by = matchRecord(r.match, keys);
        return by ? [{ record: r, by }] : [];
      });
      const indexed = matchingRecords(records, keys);
      expect(indexed).toEqual(scan);
      matched += scan.length;
    }
    // The generator made real matches (the comparison above is not between two empty lists).
    expect(matched).toBeGreaterThan(300);
  });

  it('When the list changes (a new array), then the index is rebuilt for it', () => {
    const first = [record(1, { serial: 'SN1' })];
    const keys = machineKeys(machine(2));
    expect(matchingRecords(first, keys)).toEqual([]);
    const second = [...first, record(2, { serial: 'sn2' })];
    expect(matchingRecords(second, keys).map((m) => m.record.id)).toEqual(['eh-2']);
  });
});
