// The lost sweep on its own, over the in-memory store: which waiting hosts it marks lost, and what the
// timeline says. The sweep through the service (and the come-back) is in test/http/lifecycle-api.test.ts.
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.js';
import { markLostHosts } from '../../src/hosts/lost.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { Events } from '../../src/events/events.js';
import { Mutex } from '../../src/util/mutex.js';
import { host } from '../store/fixtures.js';

const T0 = Date.parse('2026-12-06T12:00:00.000Z');
const minutes = (m: number) => new Date(T0 + m * 60_000).toISOString();

function sweepDeps(store = new MemoryStore()) {
  const log = { info: () => undefined, warn: () => undefined } as unknown as Deps['log'];
  return { config: { lostAfterMinutes: 30 } as Deps['config'], hostsLock: new Mutex(), store, log, events: new Events() };
}

describe('markLostHosts', () => {
  it('When a waiting host is silent past KICKSTAND_LOST_AFTER, then it is lost, from its last-seen address', async () => {
    const deps = sweepDeps();
    await deps.store.hosts.save(host('silent000001', '02:00:00:00:00:01', { last_seen_at: minutes(0), last_seen_ip: '192.0.2.9' }));
    await deps.store.hosts.save(host('recent000001', '02:00:00:00:00:02', { last_seen_at: minutes(20) }));
    await deps.store.hosts.save(host('assigned0001', '02:00:00:00:00:03', { last_seen_at: minutes(0), state: 'assigned' }));
    expect(await markLostHosts(deps, T0 + 31 * 60_000)).toEqual(['silent000001']);
    const lost = await deps.store.hosts.get('silent000001');
    expect(lost?.state).toBe('lost');
    expect(lost?.events.at(-1)).toMatchObject({ type: 'lose', actor: 'kickstand', ip: '192.0.2.9' });
    expect((await deps.store.hosts.get('recent000001'))?.state).toBe('discovered');
    expect((await deps.store.hosts.get('assigned0001'))?.state).toBe('assigned');
  });

  it('When a host polled since (touch), then the sweep leaves it waiting', async () => {
    const deps = sweepDeps();
    await deps.store.hosts.save(host('polling00001', '02:00:00:00:00:04', { last_seen_at: minutes(0) }));
    deps.store.hosts.touch('polling00001', minutes(25), '192.0.2.10');
    expect(await markLostHosts(deps, T0 + 31 * 60_000)).toEqual([]);
  });
});
