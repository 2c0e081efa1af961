// The rule preview on its own, over the in-memory store: which waiting hosts a saved rule would match,
// the hostnames they would get (no sequence number consumed), and which rule would win for one host.
import { describe, expect, it } from 'vitest';
import type { Facts } from '../../src/discovery/facts.js';
import { previewRule } from '../../src/rules/preview.js';
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

async function storeWithHosts(): Promise<MemoryStore> {
  const store = new MemoryStore();
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
    const result = await previewRule({ store }, { rule: 'big' });
    expect(result.matches).toEqual([
      { host: 'big000000001', boot_mac: '02:00:00:00:00:01', hostname: 'big01', within_limit: true },
      { host: 'big000000002', boot_mac: '02:00:00:00:00:02', hostname: 'big02', within_limit: false },
    ]);
    expect((await store.rules.get('big'))?.sequence).toBe(0);
  });

  it('When one host is named, then the preview says which rule wins for it and why the earlier ones did not', async () => {
    const store = await storeWithHosts();
    await store.rules.save(rule('huge', 5, 'memory_mib >= 1048576'));
    await store.rules.save(rule('big', 10, 'memory_mib >= 131072'));
    const result = await previewRule({ store }, { rule: 'big', host: 'big000000002' });
    expect(result.explain?.winner).toBe('big');
    expect(result.explain?.verdicts[0]).toMatchObject({ rule: 'huge', outcome: 'no-match' });
  });

  it('When the rule is not saved, then the preview is refused', async () => {
    await expect(previewRule({ store: new MemoryStore() }, { rule: 'none' })).rejects.toMatchObject({ code: 'RULE_NOT_FOUND' });
  });
});
