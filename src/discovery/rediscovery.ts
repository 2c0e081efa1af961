// What booting into discovery again means for a known host, once the registration is accepted as
// that host (a plain re-discovery, or an identity conflict released to the newcomer).
import type { Host } from '../hosts/host.js';
import { transition } from '../hosts/lifecycle.js';

/** A lost host is back. A host whose answer was delivered: a reboot answer is done with (wait for the
 *  next assignment); a kickstart or kexec that never reported "installed" did not finish, and is
 *  marked failed rather than handed the same answer again (that is how install loops start).
 *  Everything else stays as it is. */
export function rediscovered(known: Host, ip: string): Host {
  if (known.state === 'lost') return transition(known, 'come-back', { actor: 'machine', ip, message: 'booted into discovery again' });
  if (known.state !== 'provisioning') return { ...known, events: [...known.events] };
  if (known.assignment?.action === 'reboot') {
    const { assignment: _done, ...rest } = transition(known, 'rediscover-after-reboot', {
      actor: 'machine',
      ip,
      type: 'rebooted',
      message: 'rebooted into discovery as told; waiting for the next assignment',
    });
    return rest;
  }
  return transition(known, 'rediscover-unfinished', {
    actor: 'machine',
    ip,
    type: 'failed',
    message: `booted into discovery again without reporting "installed" (${known.assignment?.action ?? 'no'} answer delivered); marked failed — reset or assign it to try again`,
  });
}
