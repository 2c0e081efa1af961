// The rule preview on its own, over the in-memory store: which waiting hosts a saved rule would match,
// the hostnames they would get (no sequence number consumed), and which rule would win for one host;
// and the promise kept: applying the rules gives every host the hostname the preview showed.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Facts } from '../../src/discovery/facts.js';
import { Events } from '../../src/events/events.js';
import { createKickstartEnvironment } from '../../src/kickstart/render/index.js';
import { createLogger } from '../../src/log.js';
import { autoAssign } from '../../src/rules/auto-assign.js';
import { previewRule } from '../../src/rules/preview.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { Mutex } from '../../src/util/mutex.js';
import type { Rule } from '../../src/rules/rule.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { host } from '../store/fixtures.js';

const now = '2026-12-06T12:00:00.000Z';
const rule = (name: string, priority: number, expression: string, extra: Partial<Rule> = {}): Rule => ({
  name,
  expression,
  profile: 'web',
  hostname_pattern: '',
  priority,
  limit: 0,
  enabled: true,
  sequence: 0,
  created_at: now,
  updated_at: now,
  ...extra,
});
const facts = (mac: string, memory_mib: number) => ({ boot_mac: mac, memory_mib, nics: [{ name: 'eth0', mac }] }) as unknown as Facts;

const URL = 'http://kickstand.test';
/** What the preview and assignment read: the store, and (for kickstart profiles) the renderer. */
function deps(store: MemoryStore) {
  return {
    store,
    kickstarts: createKickstartEnvironment('kickstarts', { watch: false }),
    secrets: new SecretBox(randomBytes(32)),
    hostsLock: new Mutex(),
    events: new Events(),
    log: createLogger('silent'),
  };
}
const webProfile = { name: 'web', action: 'reboot' as const, bootable: false, created_at: now, updated_at: now };

async function storeWithHosts(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.profiles.save(webProfile);
  await store.hosts.save(
    host('big000000001', '02:00:00:00:00:01', { last_seen_at: '2026-12-06T12:02:00.000Z' }),
    facts('02:00:00:00:00:01', 262144),
  );
  await store.hosts.save(
    host('big000000002', '02:00:00:00:00:02', { last_seen_at: '2026-12-06T12:01:00.000Z' }),
    facts('02:00:00:00:00:02', 131072),
  );
  await store.hosts.save(host('small0000001', '02:00:00:00:00:03'), facts('02:00:00:00:00:03', 4096));
  await store.hosts.save(host('busy00000001', '02:00:00:00:00:04', { state: 'assigned' }), facts('02:00:00:00:00:04', 262144));
  return store;
}

describe('previewRule', () => {
  it('When a saved rule is previewed, then only waiting hosts whose facts match are listed, with the hostnames they would get', async () => {
    const store = await storeWithHosts();
    await store.rules.save(rule('big', 10, 'memory_mib >= 131072', { hostname_pattern: 'big{{ seq(2) }}', limit: 1 }));
    const result = await previewRule(deps(store), { rule: 'big' }, URL);
    // Past the limit, assignment gives that host nothing: neither does the preview.
    expect(result.matches).toEqual([
      { host: 'big000000001', boot_mac: '02:00:00:00:00:01', hostname: 'big01', within_limit: true },
      { host: 'big000000002', boot_mac: '02:00:00:00:00:02', hostname: null, within_limit: false },
    ]);
    expect((await store.rules.get('big'))?.sequence).toBe(0);
  });

  it('When one host is named, then the preview says which rule wins for it and why the earlier ones did not', async () => {
    const store = await storeWithHosts();
    await store.rules.save(rule('huge', 5, 'memory_mib >= 1048576'));
    await store.rules.save(rule('big', 10, 'memory_mib >= 131072'));
    const result = await previewRule(deps(store), { rule: 'big', host: 'big000000002' }, URL);
    expect(result.explain?.winner).toBe('big');
    expect(result.explain?.verdicts[0]).toMatchObject({ rule: 'huge', outcome: 'no-match' });
  });

  it('When the rule is not saved, then the preview is refused', async () => {
    await expect(previewRule(deps(new MemoryStore()), { rule: 'none' }, URL)).rejects.toMatchObject({ code: 'RULE_NOT_FOUND' });
  });

  it('When N hosts are previewed and the rules then applied, then every host gets the hostname the preview showed', async () => {
    const store = new MemoryStore();
    await store.profiles.save(webProfile);
    // Listed by the store in id order, first seen in another: the preview and assignment must agree anyway.
    const macs = Array.from({ length: 12 }, (_, i) => `02:00:00:00:01:${String(i).padStart(2, '0')}`);
    for (const [i, mac] of macs.entries()) {
      const seen = new Date(Date.parse(now) + ((i * 7) % 12) * 60_000).toISOString();
      await store.hosts.save(
        host(`h${String(11 - i).padStart(11, '0')}`, mac, { created_at: seen }),
        facts(mac, i % 3 === 0 ? 4096 : 262144),
      );
    }
    // A host already named db-003 (the number is skipped, not given twice), and a rule that comes
    // first and takes the hosts with 4 GiB: they use none of db's numbers.
    await store.hosts.save(
      host('named0000001', '02:00:00:00:02:01', { state: 'assigned', hostname: 'db-003' }),
      facts('02:00:00:00:02:01', 1),
    );
    await store.rules.save(rule('small', 5, 'memory_mib < 8192', { hostname_pattern: 'small-{{ seq(2) }}' }));
    await store.rules.save(rule('db', 10, 'memory_mib >= 1', { hostname_pattern: 'db-{{ seq(3) }}', sequence: 1, limit: 6 }));

    const preview = await previewRule(deps(store), { rule: 'db' }, URL);
    const promised = Object.fromEntries(preview.matches.filter((m) => m.hostname).map((m) => [m.host, m.hostname]));
    expect(Object.values(promised).sort()).toEqual(['db-002', 'db-004', 'db-005', 'db-006', 'db-007', 'db-008']);
    expect(preview.matches.filter((m) => m.problem?.includes('could not assign'))).toHaveLength(1); // the db-003 one

    const results = await autoAssign(deps(store), 'waiting', { actor: 'test', baseUrl: URL });
    const given = Object.fromEntries(results.filter((r) => r.rule === 'db' && r.outcome === 'assigned').map((r) => [r.host, r.hostname]));
    expect(given).toEqual(promised);
    expect((await store.rules.get('db'))?.sequence).toBe(8);
  });
});
