// The hosts table's filter runs as closures (hosts/filter.ts) for speed; rules run the tree walk
// (rules/evaluate.ts). Both must give the same answer for every expression: checked here over hosts
// that have and lack each field, with every operator, and with fast-check's random combinations.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Facts } from '../../src/discovery/facts.js';
import { compileFilter, filterView, matchesFilter } from '../../src/hosts/filter.js';
import type { Host } from '../../src/hosts/host.js';
import { evaluate } from '../../src/rules/evaluate.js';

function host(i: number): Host {
  const mac = `b8:ca:3a:00:00:${i.toString(16).padStart(2, '0')}`;
  return {
    id: `h${i}`,
    state: (['discovered', 'assigned', 'installed', 'failed'] as const)[i % 4],
    boot_mac: mac,
    macs: i % 3 ? [mac, `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`] : [],
    token_hash: '',
    summary: {
      ...(i % 5 ? { memory_mib: 16384 * (i % 7) } : {}),
      ...(i % 4 ? { vendor: i % 2 ? 'Dell Inc.' : 'HPE' } : {}),
      ...(i % 6 ? { cpu_model: 'Intel(R) Xeon(R) Gold 6338', cpu_cores: 8 * (i % 5) } : {}),
      ...(i % 3 ? { ip: `10.0.0.${i}` } : {}),
      kexec: i % 2 === 0,
      disk_count: i % 4,
      nic_count: 2,
    },
    ...(i % 2 ? { hostname: `node-${i}.example.com` } : {}),
    ...(i % 7 === 0 ? { assignment: { action: 'reboot' as const, profile: 'p1', rule: 'r1' } } : {}),
    created_at: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
    updated_at: '2026-01-01T00:00:00.000Z',
    last_seen_at: `2026-01-02T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
    ...(i % 2 ? {} : { last_seen_ip: `192.0.2.${i}` }),
    events: [],
  } as unknown as Host;
}
const hosts = Array.from({ length: 40 }, (_, i) => host(i));

const atoms = [
  'memory_mib >= 32768',
  'memory_mib < 1',
  'memory_mib != 16384',
  'dmi.vendor ~ "dell"',
  'dmi.vendor !~ "^HP"',
  'dmi.vendor like "Dell*"',
  'dmi.vendor == "HPE"',
  'cpu.cores > 8',
  'cpu.model ~ "Gold"',
  'hostname ~ "node-1"',
  'has(hostname)',
  'has(macs)',
  'state in ["failed", "installed"]',
  'ip ~ "^192\\\\.0\\\\.2"',
  'kexec.available == true',
  'profile == "p1"',
  'conflict == false',
  'last_seen > "2026-01-02T00:00:30"',
  'disk_count <= 1',
];

function bothAgree(text: string) {
  const expr = compileFilter(text);
  for (const h of hosts) {
    const fast = matchesFilter(expr, h); // also writes the view's last_seen and ip
    expect(fast, `${text} on ${h.id}`).toBe(evaluate(expr, filterView(h) as unknown as Facts));
  }
}

describe('the table filter as closures', () => {
  it('When each operator runs over hosts with and without the field, then the closures answer as the tree walk', () => {
    for (const a of atoms) bothAgree(a);
  });

  it('When random combinations with and, or, not and parentheses run, then the closures answer as the tree walk', () => {
    const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom(...atoms),
        fc.tuple(tie('e'), fc.constantFrom('and', 'or'), tie('e')).map(([l, op, r]) => `(${l}) ${op} (${r})`),
        tie('e').map((x) => `not (${x})`),
      ),
    })).e;
    fc.assert(
      fc.property(expr, (text) => {
        bothAgree(text);
      }),
      { seed: 17, numRuns: 200 },
    );
  });

  it('When the filter uses a list function, then it still answers (the tree walk takes it)', () => {
    bothAgree('any(macs, it ~ "^02:")');
    expect(hosts.filter((h) => matchesFilter(compileFilter('any(macs, it ~ "^02:")'), h)).length).toBeGreaterThan(0);
  });
});
