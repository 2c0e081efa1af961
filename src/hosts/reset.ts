// Reset and reprovision: a person sends a host back to waiting for an assignment. The assignment is
// dropped (a rule's slot is freed with it); hostname and facts stay; the machine — still polling, or
// the next time it boots into discovery — is told to wait. Reset works on hosts on their way
// (assigned, provisioning, failed, lost); an installed machine needs the explicit reprovision, so that
// no machine ever reinstalls itself in a loop.
import type { CallerWith } from '../caller.js';
import type { Deps } from '../deps.js';
import { hostChanged } from '../events/host-changed.js';
import { errors } from '../errors.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import type { Host } from './host.js';
import { transition } from './lifecycle.js';

export type ResetDeps = AuditDeps & Pick<Deps, 'hostsLock' | 'events'>;

export function resetHost(deps: ResetDeps, id: string, caller: CallerWith<'ip'>): Promise<Host> {
  return backToWaiting(deps, id, 'reset', caller);
}

export function reprovisionHost(deps: ResetDeps, id: string, caller: CallerWith<'ip'>): Promise<Host> {
  return backToWaiting(deps, id, 'reprovision', caller);
}

async function backToWaiting(deps: ResetDeps, id: string, how: 'reset' | 'reprovision', { actor, ip }: CallerWith<'ip'>): Promise<Host> {
  const { host, durable } = await deps.hostsLock.run(async () => {
    const current = await deps.store.hosts.get(id);
    if (!current) throw errors.hostNotFound(id);
    const message =
      how === 'reset'
        ? `reset to waiting (was ${current.state})`
        : 'reprovision: the next discovery of this machine waits for an assignment';
    const { assignment: _dropped, callbacks: _seen, ...rest } = transition(current, how, { actor, ip, message });
    const durable = deps.store.hosts.save(rest);
    hostChanged(deps, current, rest, { actor, ip }, durable);
    return { host: rest, durable };
  });
  await durable;
  await audit(deps, actor, `host.${how}`, id);
  return host;
}
