// The hosts query engine: search (MACs in any spelling), `where` in the rule language over the host
// summary (errors with their position), stable sort, keyset cursors that survive inserts, chip counts.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { Host, HostState } from '../../src/hosts/host.js';
import { readHostQuery, runHostQuery, matchingIds, type HostQuery } from '../../src/hosts/query.js';

let n = 0;
function host(over: Partial<Host> & { memory?: number; vendor?: string; cpu?: string } = {}): Host {
  n++;
  const mac = over.boot_mac ?? `b8:ca:3a:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
  const { memory, vendor, cpu, ...rest } = over;
  return {
    id: `h${String(n).padStart(5, '0')}`,
    state: 'discovered',
    boot_mac: mac,
    macs: [mac],
    token_hash: 'x',
    summary: {
      disk_count: 1,
      disk_total_bytes: 1e12,
      nic_count: 1,
      kexec: true,
      memory_mib: memory ?? 65536,
      vendor: vendor ?? 'Dell Inc.',
      product: 'PowerEdge R650',
      cpu_model: cpu ?? 'Intel(R) Xeon(R) Gold 6338',
      cpu_cores: 32,
      arch: 'x86_64',
    },
    created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    updated_at: '2026-01-01T00:00:00.000Z',
    last_seen_at: '2026-01-01T00:00:00.000Z',
    events: [],
    ...rest,
  };
}
const q = (raw: Record<string, unknown> = {}): HostQuery => readHostQuery(raw);
const ids = (hosts: readonly Readonly<Host>[]) => hosts.map((h) => h.id);

function appError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('no error thrown');
}

describe('hosts query: search', () => {
  const target = host({ boot_mac: 'b8:ca:3a:6b:12:ef', macs: ['b8:ca:3a:6b:12:ef', '00:1b:21:aa:bb:cc'] });
  const others = [host(), host({ cpu: 'AMD EPYC 7763 64-Core' }), host({ hostname: 'db-001.example.com' })];
  const all = [target, ...others];

  it.each([
    'B8-CA-3A-6B-12-EF',
    'b8ca3a6b12ef',
    'B8:CA:3A:6B:12:EF',
    'b8ca.3a6b.12ef',
    '3A-6B-12',
    '6b12ef',
    '00-1B-21-AA',
    '001b21aabbcc',
  ])('When the search is the MAC written %s, then the host is found and no other', (text) => {
    expect(ids(runHostQuery(all, q({ q: text })).hosts)).toEqual([target.id]);
  });

  it('When the search names the CPU model or a hostname, then it is found; several words must all match', () => {
    expect(ids(runHostQuery(all, q({ q: 'epyc' })).hosts)).toEqual([others[1]!.id]);
    expect(ids(runHostQuery(all, q({ q: 'DB-001' })).hosts)).toEqual([others[2]!.id]);
    expect(ids(runHostQuery(all, q({ q: 'epyc 7763' })).hosts)).toEqual([others[1]!.id]);
    expect(ids(runHostQuery(all, q({ q: 'epyc xeon' })).hosts)).toEqual([]);
  });
});

describe('hosts query: where', () => {
  const big = host({ memory: 524288, vendor: 'Dell Inc.' });
  const small = host({ memory: 8192, vendor: 'Dell Inc.' });
  const hp = host({ memory: 524288, vendor: 'HPE' });
  const failed = host({ memory: 524288, vendor: 'Dell Inc.', state: 'failed' });
  const all = [big, small, hp, failed];

  it('When the filter is the rule language over summary fields, then only matching hosts come back', () => {
    expect(ids(runHostQuery(all, q({ where: 'memory_mib >= 250000 and dmi.vendor ~ "Dell"' })).hosts)).toEqual([big.id, failed.id]);
    expect(ids(runHostQuery(all, q({ where: 'state == "failed" or dmi.vendor like "hp*"' })).hosts)).toEqual([hp.id, failed.id]);
    expect(ids(runHostQuery(all, q({ where: 'cpu.model ~ "Xeon" and cpu.cores >= 32 and kexec.available' })).hosts)).toHaveLength(4);
  });

  it('When the filter has a syntax error, then the error names `where` and its line and column', () => {
    const err = appError(() => runHostQuery(all, q({ where: 'memory_mib >= ' })));
    expect(err.code).toBe('VALIDATION');
    expect(err.field).toBe('where');
    expect(err.toJSON().error.position).toEqual({ line: 1, column: 14 });
    expect(err.message).toMatch(/^where: line 1, column 14: /);
  });

  it('When the filter names a fact the summary does not keep, then the error names it and points at it', () => {
    const err = appError(() => runHostQuery(all, q({ where: 'memory_mib > 1 and any(nics, speed_mbps >= 25000)' })));
    expect(err.message).toMatch(/unknown field "nics": the hosts table filters on what it keeps for every host/);
    expect(err.toJSON().error.position).toEqual({ line: 1, column: 24 });
    const typo = appError(() => runHostQuery(all, q({ where: 'cpu.cores > 1 and\n  cpu.core > 2' })));
    expect(typo.message).toMatch(/unknown field "cpu.core"/);
    expect(typo.toJSON().error.position).toEqual({ line: 2, column: 3 });
    const type = appError(() => runHostQuery(all, q({ where: 'dmi.vendor >= 3' })));
    expect(type.message).toMatch(/"dmi.vendor" is a string/);
    expect(type.toJSON().error.position).toEqual({ line: 1, column: 1 });
  });
});

describe('hosts query: order, pages and counts', () => {
  it('When nothing is asked, then hosts come in first-seen order, whatever order the store lists them in', () => {
    const hosts = [host(), host(), host()];
    expect(ids(runHostQuery([...hosts].reverse(), q()).hosts)).toEqual(ids(hosts));
  });

  it('When sort values tie, then the id breaks the tie, and hosts without the value come last either way', () => {
    const a = host({ memory: 4096 });
    const b = host({ memory: 4096 });
    const c = host({ memory: 1024 });
    const none = host();
    none.summary.memory_mib = null;
    const all = [none, b, c, a];
    expect(ids(runHostQuery(all, q({ sort: 'memory' })).hosts)).toEqual([c.id, a.id, b.id, none.id]);
    expect(ids(runHostQuery(all, q({ sort: 'memory', dir: 'desc' })).hosts)).toEqual([a.id, b.id, c.id, none.id]);
  });

  it('When pages are walked with the cursor while hosts register, then no host is skipped or repeated', () => {
    const all: Host[] = Array.from({ length: 25 }, () => host({ memory: 1024 * (1 + (n % 4)) }));
    for (const sort of ['first_seen', 'memory']) {
      const seen: string[] = [];
      const live = [...all];
      let cursor: string | undefined;
      do {
        const page = runHostQuery(live, q({ sort, limit: '7', ...(cursor ? { cursor } : {}) }));
        seen.push(...ids(page.hosts));
        cursor = page.next_cursor ?? undefined;
        // A newcomer that sorts before the cursor (memory 1024) or after it (newest first-seen) arrives.
        live.push(host({ memory: 1024 }));
      } while (cursor);
      const originals = new Set(ids(all));
      expect(seen.filter((id) => originals.has(id)).sort()).toEqual(ids(all).sort());
      expect(new Set(seen).size).toBe(seen.length);
    }
  });

  it('When a state is chosen, then counts still give every state for the chips, and total is that state', () => {
    const states: HostState[] = ['discovered', 'discovered', 'failed', 'installed', 'failed', 'failed'];
    const all = states.map((state) => host({ state }));
    const page = runHostQuery(all, q({ state: 'failed', limit: '2' }));
    expect(page.total).toBe(3);
    expect(page.hosts).toHaveLength(2);
    expect(page.counts).toMatchObject({ all: 6, discovered: 2, failed: 3, installed: 1, assigned: 0 });
    expect(matchingIds(all, q({ state: 'failed' }), 2)).toEqual({
      ids: ids(all.filter((h) => h.state === 'failed')).slice(0, 2),
      total: 3,
    });
  });

  it('When a parameter is wrong, then the API query names it; the page falls back to defaults', () => {
    for (const [raw, field] of [
      [{ state: 'nope' }, 'state'],
      [{ sort: '__proto__' }, 'sort'],
      [{ dir: 'up' }, 'dir'],
      [{ limit: '0' }, 'limit'],
      [{ limit: '1001' }, 'limit'],
      [{ limit: '5x' }, 'limit'],
      [{ cursor: 'garbage!' }, 'cursor'],
      [{ q: ['a', 'b'] }, 'q'],
      [{ q: 'x'.repeat(201) }, 'q'],
    ] as const) {
      const err = appError(() => readHostQuery(raw));
      expect(err.field, JSON.stringify(raw)).toBe(field);
      expect(err.code).toBe('VALIDATION');
    }
    expect(
      readHostQuery({ state: 'nope', sort: '__proto__', dir: 'up', limit: '0', cursor: 'x' }, { lenient: true, defaultLimit: 100 }),
    ).toMatchObject({
      state: '',
      sort: 'first_seen',
      dir: 'asc',
      limit: 100,
      cursor: undefined,
    });
    const cursor = runHostQuery([host(), host()], q({ limit: '1' })).next_cursor!;
    expect(appError(() => readHostQuery({ cursor, sort: 'memory' })).message).toMatch(/belongs to sort=first_seen/);
  });
});
