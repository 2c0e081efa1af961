// Reset: send a host back to waiting for an assignment. Its assignment is dropped (a rule's slot is
// freed with it), its hostname and facts stay, and the machine — still polling, or the next time it
// boots into discovery — is simply told to wait again.
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { audit } from '../audit/audit.js';
import { addEvent, type Host, type HostState } from './host.js';

// Waiting already, or installed (a reinstall of an installed machine is an explicit reprovision,
// never a side effect of a reset: that is how install loops start).
const RESETTABLE: readonly HostState[] = ['assigned', 'provisioning'];

export async function resetHost(deps: Deps, id: string, actor: string, ip?: string): Promise<Host> {
  const { host, durable } = await deps.hostsLock.run(async () => {
    const current = await deps.store.getHost(id);
    if (!current) throw new AppError('HOST_NOT_FOUND', `no host with id "${id}"`);
    if (!RESETTABLE.includes(current.state)) {
      throw new AppError('INVALID_TRANSITION', `host ${id} is ${current.state}: only an ${RESETTABLE.join(' or ')} host can be reset to waiting`, 'state');
    }
    const { assignment: _dropped, ...rest } = current;
    const next: Host = { ...rest, state: 'discovered', events: [...current.events], updated_at: new Date().toISOString() };
    addEvent(next, { type: 'reset', actor, ...(ip ? { ip } : {}), message: `reset to waiting (was ${current.state})` });
    deps.log.info({ host: id, from: current.state, to: next.state, actor }, 'host state changed');
    return { host: next, durable: deps.store.saveHost(next) };
  });
  await durable;
  await audit(deps, actor, 'host.reset', id);
  return host;
}
