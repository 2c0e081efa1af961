// A waiting machine asks "what now?". Unassigned: come back in a while. Assigned: here is your
// kickstart, kexec or stage target, or reboot order — and the host moves to `provisioning`. This is the hot
// path (every machine, every few seconds): a token check is one hash, a waiting answer writes nothing.
import type { Deps } from '../deps.js';
import { hostChanged } from '../events/host-changed.js';
import { errors } from '../errors.js';
import { addEvent, type Host } from '../hosts/host.js';
import { transition } from '../hosts/lifecycle.js';
import { deliveredHost } from '../hosts/deliver.js';
import { hostTokenValid, tokenMatches } from '../hosts/tokens.js';
import { stageAnswer } from '../hosts/stage.js';
import { claimPolled } from './conflict.js';
import { cachedAnswer, cachedFailure, keepAnswer, renderAnswer } from '../kickstart/render/index.js';

export type PollAnswer =
  | { action: 'wait'; retryAfter: number }
  // A rendered kickstart is kept as bytes: a repeat is sent without encoding ~9 KB again.
  | { action: 'kickstart'; body: Buffer }
  | { action: 'kexec'; body: string }
  | { action: 'stage'; body: string }
  | { action: 'reboot'; body: string };

/** Everything but the sightings, the templates lock and the installers: a poll may render. */
export type PollDeps = Pick<Deps, 'config' | 'store' | 'log' | 'events' | 'hostsLock' | 'kickstarts' | 'renderCache' | 'secrets'>;

/** `baseUrl` may be a getter: a waiting machine's poll (nearly all of them) never needs it. */
export async function answerPoll(
  deps: PollDeps,
  id: string,
  token: string | undefined,
  ip: string,
  baseUrl: string | (() => string),
): Promise<PollAnswer> {
  let host = await deps.store.hosts.get(id);
  // A machine that registered (or registered again, with a new token) through another instance a
  // moment ago may be ahead of this instance's copy: look again once it has caught up. A known host
  // with its valid token — nearly every poll — never gets here.
  if (!host || (token && !hostTokenValid(host, token) && !isClaim(host, token))) host = (await deps.store.hosts.getLatest(id)) ?? host;
  if (host && token && !hostTokenValid(host, token) && isClaim(host, token)) {
    // A newcomer's claim (conflict.ts): refused with 409 unless the automatic release gives it the
    // host now. It never touches last-seen: that is the original token's heartbeat.
    host = await claimPolled(deps, id, token, ip);
  } else {
    // Unknown host, wrong token, dead or expired token look the same: a poller learns nothing about
    // hosts it does not own.
    if (!host || !hostTokenValid(host, token)) throw errors.badHostToken();
  }
  deps.store.hosts.touch(host.id, new Date().toISOString(), ip);

  if (host.state === 'lost') cameBack(deps, host, ip);
  const assignment = host.assignment;
  // Waiting, failed (a person decides what next), or anything without an answer: come back later.
  if ((host.state !== 'assigned' && host.state !== 'provisioning') || !assignment)
    return { action: 'wait', retryAfter: deps.config.pollInterval };

  let answer: PollAnswer;
  let url = '';
  switch (assignment.action) {
    case 'kickstart': {
      url = typeof baseUrl === 'string' ? baseUrl : baseUrl();
      let body = cachedAnswer(deps, host, url);
      // Said once (on the first failing poll), not at every poll until someone fixes it.
      if (body === undefined && cachedFailure(deps, host, url) !== undefined)
        return { action: 'wait', retryAfter: deps.config.pollInterval };
      if (body === undefined) {
        const rendered = await renderAnswer(deps, host, assignment, url);
        if ('failed' in rendered) {
          // The template changed since the dry run at assignment and no longer renders. The machine
          // keeps waiting (it cannot do better) and the admin sees why on the host.
          deps.log.error({ host: host.id, err: rendered.failed }, 'kickstart render failed');
          recordOnce(deps, host, 'render-failed', ip, rendered.failed);
          deps.events.emit({ kind: 'render-error', template: assignment.template });
          return { action: 'wait', retryAfter: deps.config.pollInterval };
        }
        body = rendered.body;
      }
      answer = { action: 'kickstart', body };
      break;
    }
    case 'kexec':
      // Line-based so the %pre reads it with `read -r key value`, never eval. Values were checked at
      // assignment to hold no newline.
      answer = { action: 'kexec', body: `kernel ${assignment.kernel}\ninitrd ${assignment.initrd}\nappend ${assignment.append}\n` };
      break;
    case 'stage':
      answer = { action: 'stage', body: stageAnswer(assignment) };
      break;
    case 'reboot':
      answer = { action: 'reboot', body: 'reboot\n' };
      break;
  }
  if (host.state === 'assigned') {
    const next = delivered(deps, host, assignment.action, ip);
    // Delivery changes nothing the kickstart depends on, only the record's version: the render made
    // for this poll serves the repeats under the new version too (one render per host, not two).
    if (answer.action === 'kickstart') keepAnswer(deps, next, url, answer.body);
  }
  return answer;
}

/** `token` is a newcomer's claim on this host (conflict.ts). */
function isClaim(host: Host, token: string): boolean {
  return !!host.conflict && tokenMatches(token, host.conflict.claim_hash);
}

function delivered(deps: Pick<Deps, 'config' | 'store' | 'log' | 'events'>, host: Host, action: string, ip: string): Host {
  const next = deliveredHost(host, action, ip, deps.config.tokenTtlHours);
  const durable = deps.store.hosts.save(next);
  hostChanged(deps, host, next, { action, ip }, durable);
  void durable.catch((err: unknown) => deps.log.error({ err, host: host.id }, 'could not record delivery'));
  return next;
}

function cameBack(deps: Pick<Deps, 'store' | 'log' | 'events'>, host: Host, ip: string): void {
  const next = transition(host, 'come-back', { actor: 'machine', ip, message: `polling again from ${ip}` });
  const durable = deps.store.hosts.save(next);
  hostChanged(deps, host, next, { ip }, durable);
  void durable.catch((err: unknown) => deps.log.error({ err, host: host.id }, 'could not record the return'));
}

function recordOnce(deps: Pick<Deps, 'store' | 'log'>, host: Host, type: string, ip: string, message: string): void {
  const last = host.events[host.events.length - 1];
  if (last?.type === type && last.message === message) return;
  const next: Host = { ...host, events: [...host.events] };
  addEvent(next, { type, actor: 'kickstand', ip, message });
  void deps.store.hosts.save(next).catch((err: unknown) => deps.log.error({ err, host: host.id }, 'could not record event'));
}
