// Reset and reprovision: a person sends a host back to waiting for an assignment. The assignment is
// dropped (a rule's slot is freed with it); hostname and facts stay; the machine — still polling, or
// the next time it boots into discovery — is told to wait. Reset works on hosts on their way
// (assigned, provisioning, failed, lost); an installed machine needs the explicit reprovision, so that
// no machine ever reinstalls itself in a loop.
import type { Deps } from '../deps.js';
import { errors } from '../errors.js';
import { audit } from '../audit/audit.js';
import type { Host } from './host.js';
import { transition } from './lifecycle.js';

export function resetHost(deps: Deps, id: string, actor: string, ip: string): Promise<Host> {
  return backToWaiting(deps, id, 'reset', actor, ip);
}

export function reprovisionHost(deps: Deps, id: string, actor: string, ip: string): Promise<Host> {
  return backToWaiting(deps, id, 'reprovision', actor, ip);
}

async function backToWaiting(deps: Deps, id: string, how: 'reset' | 'reprovision', actor: string, ip: string): Promise<Host> {
  const { host, durable } = await deps.hostsLock.run(async () => {
    const current = await deps.store.getHost(id);
    if (!current) throw errors.hostNotFound(id);
    const message = how === 'reset' ? `reset to waiting (was ${current.state})` : 'reprovision: the next discovery of this machine waits for an assignment';
    const { assignment: _dropped, callbacks: _seen, ...rest } = transition(current, how, { actor, ip, message });
    deps.log.info({ host: id, from: current.state, to: rest.state, actor, ip }, 'host state changed');
    return { host: rest, durable: deps.store.saveHost(rest) };
  });
  await durable;
  await audit(deps, actor, `host.${how}`, id);
  return host;
}
