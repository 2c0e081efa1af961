// The host page's confirmations: delete, reset and reprovision are refused unless the form says the
// user meant it. An installed host is a running machine, so its hostname must be typed (a tick is
// too easy to give by habit); any other host needs the `confirm` field set to "yes" (a ticked box, or
// host.js after its dialog). Only the web forms ask: the API's callers are scripts that already said
// exactly which host they mean (docs/web.md#confirmations).
import { AppError } from '../errors.js';
import type { Host } from '../hosts/host.js';

export type ConfirmedAction =
  | 'delete'
  | 'reset'
  | 'reprovision'
  // Through the BMC (web/pages/host-power.ts): a running machine switched off or rebooted.
  | 'power off'
  | 'power soft-off'
  | 'power cycle'
  | 'power reset'
  | 'rediscover'
  | 'reinstall';

/** What the user must give in `confirm`: the hostname (or the id when it has none) for an installed
 *  host, else "yes". */
export function confirmationFor(host: Pick<Host, 'id' | 'hostname' | 'state'>): { typed: boolean; expected: string } {
  return host.state === 'installed' ? { typed: true, expected: host.hostname ?? host.id } : { typed: false, expected: 'yes' };
}

/** Refuses (400, field `confirm`) unless `given` is what confirmationFor asks for. */
export function assertConfirmed(host: Pick<Host, 'id' | 'hostname' | 'state'>, action: ConfirmedAction, given: unknown): void {
  const { typed, expected } = confirmationFor(host);
  const value = typeof given === 'string' ? given.trim() : '';
  if (value === expected) return;
  if (typed)
    throw new AppError(
      'VALIDATION',
      value
        ? `"${value}" is not this host's name: type ${expected} to ${action} it (nothing was changed)`
        : `this host is installed: type its name ${expected} to ${action} it (nothing was changed)`,
      'confirm',
    );
  throw new AppError('VALIDATION', `confirm that you want to ${action} this host (nothing was changed)`, 'confirm');
}
