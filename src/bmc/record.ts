// What a BMC operation leaves on the host: a timeline event with its outcome, and host.power when the
// answer changed what the hosts table shows. One save under the hosts lock, like every host change.
import type { Caller } from '../caller.js';
import type { Deps } from '../deps.js';
import { addEvent, type Host } from '../hosts/host.js';
import type { HostPower } from './bmc.js';

export type RecordDeps = Pick<Deps, 'store' | 'hostsLock'>;

export interface Outcome {
  /** The timeline event (power-on, boot-device, rediscover…); absent: only host.power may change. */
  event?: { type: string; message: string };
  /** The power state the BMC answered, or "unknown" with why. */
  power?: Omit<HostPower, 'checked_at'>;
}

/** Saves the host only when there is an event or a power state that differs from the stored one. A
 *  host deleted meanwhile is left alone (nothing to record on). */
export async function recordOnHost(deps: RecordDeps, id: string, outcome: Outcome, { actor, ip }: Caller): Promise<void> {
  // The save's promise comes out wrapped: the lock is let go once the change is made, not once it is
  // on disk (the group commit), as every host change does.
  const { durable } = await deps.hostsLock.run(async (): Promise<{ durable?: Promise<void> }> => {
    const current = await deps.store.hosts.get(id);
    if (!current) return {};
    const powerChanged = outcome.power !== undefined && !samePower(current.power, outcome.power);
    if (!outcome.event && !powerChanged) return {};
    const now = new Date().toISOString();
    const next: Host = { ...current, events: [...current.events], updated_at: now };
    if (outcome.power && (powerChanged || outcome.event)) next.power = { ...outcome.power, checked_at: now };
    if (outcome.event) addEvent(next, { ...outcome.event, actor, ...(ip ? { ip } : {}) });
    return { durable: deps.store.hosts.save(next) };
  });
  if (durable) await durable;
}

function samePower(stored: HostPower | undefined, answer: Omit<HostPower, 'checked_at'>): boolean {
  return stored !== undefined && stored.state === answer.state && stored.error === answer.error;
}
