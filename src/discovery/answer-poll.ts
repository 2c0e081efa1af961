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
import { isoNow } from '../util/clock.js';
import { cachedAnswer, cachedFailure, keepAnswer, renderAnswer } from '../kickstart/render/index.js';

export type PollAnswer =
  | { action: 'wait'; retryAfter: number }
  // A rendered kickstart is kept as bytes while current (render/cache.ts): a repeat is sent as it is,
  // with no 9 KB string to encode (and collect) per poll.
  | { action: 'kickstart'; body: Buffer }
  | { action: 'kexec'; body: string }
  | { action: 'stage'; body: string }
  | { action: 'reboot'; body: string };

/** Everything but the sightings, the templates lock and the installers: a poll may render. */
export type PollDeps = Pick<Deps, 'config' | 'store' | 'log' | 'events' | 'hostsLock' | 'kickstarts' | 'renderCache' | 'secrets'>;

/** Synchronous when it can be, a promise otherwise: a poll from a host this instance knows, with its
 *  valid token — nearly every poll — is answered without one (a promise and its microtask per poll are
 *  a measurable part of the hot path: docs/performance.md). Refusals are thrown, or rejected when
 *  async. `baseUrl` may be a getter: a waiting machine's poll never needs it. */
export function answerPoll(
  deps: PollDeps,
  id: string,
  token: string | undefined,
  ip: string,
  baseUrl: string | (() => string),
): PollAnswer | Promise<PollAnswer> {
  const host = deps.store.hosts.peek(id);
  if (host && hostTokenValid(host, token)) return answerOwner(deps, host, ip, baseUrl);
  return answerOther(deps, id, token, ip, baseUrl);
}

/** Not this instance's copy with a token that opens it: a machine that registered (or registered
 *  again, with a new token) through another instance a moment ago, a newcomer's claim, or a stranger. */
async function answerOther(
  deps: PollDeps,
  id: string,
  token: string | undefined,
  ip: string,
  baseUrl: string | (() => string),
): Promise<PollAnswer> {
  // Look again once this instance has caught up with the others (one database round trip).
  const host = await deps.store.hosts.getLatest(id);
  if (host && hostTokenValid(host, token)) return answerOwner(deps, host, ip, baseUrl);
  // A newcomer's claim (conflict.ts): refused with 409 unless the automatic release gives it the
  // host now. It never touches last-seen: that is the original token's heartbeat.
  if (host && token && isClaim(host, token)) return answerOwner(deps, await claimPolled(deps, id, token, ip), ip, baseUrl);
  // Unknown host, wrong token, dead or expired token look the same: a poller learns nothing about
  // hosts it does not own.
  throw errors.badHostToken();
}

function answerOwner(deps: PollDeps, host: Readonly<Host>, ip: string, baseUrl: string | (() => string)): PollAnswer | Promise<PollAnswer> {
  deps.store.hosts.touch(host.id, isoNow(), ip);
  if (host.state === 'lost') cameBack(deps, host, ip);
  const assignment = host.assignment;
  // Waiting, failed (a person decides what next), or anything without an answer: come back later.
  if ((host.state !== 'assigned' && host.state !== 'provisioning') || !assignment) return waiting(deps);

  let answer: PollAnswer;
  let url = '';
  switch (assignment.action) {
    case 'kickstart': {
      url = typeof baseUrl === 'string' ? baseUrl : baseUrl();
      const body = cachedAnswer(deps, host, url);
      if (body === undefined)
        // Said once (on the first failing poll), not at every poll until someone fixes it.
        return cachedFailure(deps, host, url) !== undefined ? waiting(deps) : renderThenAnswer(deps, host, assignment, url, ip);
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
  return deliver(deps, host, answer, url, ip);
}

/** The first poll after a change renders the kickstart (the rest are served from the render cache). */
async function renderThenAnswer(
  deps: PollDeps,
  host: Readonly<Host>,
  assignment: Extract<Host['assignment'], { action: 'kickstart' }>,
  url: string,
  ip: string,
): Promise<PollAnswer> {
  const rendered = await renderAnswer(deps, host, assignment, url);
  if ('failed' in rendered) {
    // The template changed since the dry run at assignment and no longer renders. The machine
    // keeps waiting (it cannot do better) and the admin sees why on the host.
    deps.log.error({ host: host.id, err: rendered.failed }, 'kickstart render failed');
    recordOnce(deps, host, 'render-failed', ip, rendered.failed);
    deps.events.emit({ kind: 'render-error', template: assignment.template });
    return waiting(deps);
  }
  return deliver(deps, host, { action: 'kickstart', body: rendered.body }, url, ip);
}

/** An assigned host's first answer moves it to `provisioning`; the repeats change nothing. */
function deliver(
  deps: PollDeps,
  host: Readonly<Host>,
  answer: Exclude<PollAnswer, { action: 'wait' }>,
  url: string,
  ip: string,
): PollAnswer {
  if (host.state === 'assigned') {
    const next = delivered(deps, host, answer.action, ip);
    // Delivery changes nothing the kickstart depends on, only the record's version: the render made
    // for this poll serves the repeats under the new version too (one render per host, not two).
    if (answer.action === 'kickstart') keepAnswer(deps, next, url, answer.body);
  }
  return answer;
}

// The waiting answer is the same for every poll: one object per interval, never a new one.
const WAITING = new Map<number, PollAnswer>();

function waiting(deps: Pick<PollDeps, 'config'>): PollAnswer {
  const seconds = deps.config.pollInterval;
  let answer = WAITING.get(seconds);
  if (!answer) WAITING.set(seconds, (answer = Object.freeze({ action: 'wait', retryAfter: seconds })));
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
