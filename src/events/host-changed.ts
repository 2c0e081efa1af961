// One place for "a host moved": the log line (failures and losses at warn, with the hostname and the
// message, so they stand out of a day of info lines) and the event webhooks and metrics hear, sent
// only once the change is durable — a receiver is never told about a change a crash could undo.
import type { Deps } from '../deps.js';
import type { Host } from '../hosts/host.js';
import type { HostEventName } from './events.js';

export type HostChangedDeps = Pick<Deps, 'log' | 'events'>;

/** Extra fields for the log line (action, rule, actor, ip, stage…). */
export type ChangeDetail = Record<string, unknown> & { ip?: string | undefined };

export function hostChanged(
  deps: HostChangedDeps,
  before: Pick<Host, 'state'> | null,
  after: Host,
  detail: ChangeDetail,
  durable: Promise<unknown>,
  event: HostEventName | undefined = eventFor(after),
): void {
  const line = { host: after.id, hostname: after.hostname, from: before?.state ?? null, to: after.state, ...detail };
  if (after.state === 'failed' || after.state === 'lost')
    deps.log.warn({ ...line, message: after.events.at(-1)?.message }, `host ${after.state}`);
  else deps.log.info(line, 'host state changed');
  if (event) announce(deps, before, after, event, durable, detail.ip);
}

/** Emit the host event once `durable` resolves (nothing is said when it fails: the caller reports that). */
export function announce(
  deps: Pick<Deps, 'events'>,
  before: Pick<Host, 'state'> | null,
  after: Host,
  event: HostEventName,
  durable: Promise<unknown>,
  ip?: string,
): void {
  const at = new Date().toISOString();
  const message = after.events.at(-1)?.message;
  const where = ip ?? after.last_seen_ip;
  durable.then(
    () =>
      deps.events.emit({
        kind: 'host',
        event,
        at,
        from: before?.state ?? null,
        host: {
          id: after.id,
          state: after.state,
          boot_mac: after.boot_mac,
          ...(after.hostname ? { hostname: after.hostname } : {}),
          ...(where ? { ip: where } : {}),
          ...(after.assignment?.profile ? { profile: after.assignment.profile } : {}),
          ...(after.assignment?.rule ? { rule: after.assignment.rule } : {}),
        },
        ...(message ? { message } : {}),
      }),
    () => undefined,
  );
}

/** The webhook event a new state means; none for moves back to waiting (reset, a lost host's return). */
function eventFor(host: Host): HostEventName | undefined {
  switch (host.state) {
    case 'assigned':
      return 'assigned';
    case 'provisioning':
      return 'delivered';
    case 'installed':
      return 'installed';
    case 'failed':
      return 'failed';
    case 'lost':
      return 'lost';
    default:
      return undefined;
  }
}
