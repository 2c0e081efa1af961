// Waiting hosts that stop polling (powered off, moved, booted elsewhere) become `lost` after
// KICKSTAND_LOST_AFTER minutes: shown, never deleted. A lost machine that polls or registers again is
// back to waiting (answer-poll.ts, register.ts). Run every minute by the server; `now` is an argument
// so tests move the clock instead of waiting.
import type { Deps } from '../deps.js';
import { hostChanged } from '../events/host-changed.js';
import { transition } from './lifecycle.js';

export async function markLostHosts(
  deps: Pick<Deps, 'config' | 'hostsLock' | 'store' | 'log' | 'events'>,
  now = Date.now(),
): Promise<string[]> {
  const limit = deps.config.lostAfterMinutes * 60_000;
  const lost: string[] = [];
  const { durable } = await deps.hostsLock.run(async () => {
    const saves: Promise<void>[] = [];
    for (const host of await deps.store.hosts.list()) {
      if (host.state !== 'discovered' || now - Date.parse(host.last_seen_at) < limit) continue;
      const minutes = Math.floor((now - Date.parse(host.last_seen_at)) / 60_000);
      // No request causes this: the address on the event is the machine's, where it was last heard from.
      const next = transition(host, 'lose', {
        actor: 'kickstand',
        ip: host.last_seen_ip,
        at: new Date(now).toISOString(),
        message: `no poll for ${minutes} minutes (last from ${host.last_seen_ip ?? 'unknown'})`,
      });
      const durable = deps.store.hosts.save(next);
      hostChanged(deps, host, next, { minutes }, durable);
      lost.push(host.id);
      saves.push(durable);
    }
    return { durable: Promise.all(saves) };
  });
  await durable;
  return lost;
}
