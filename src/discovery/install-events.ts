// The installer reports how the install goes, with the host's own token: installing (%pre-install),
// installed (%post), failed (%onerror, with the tail of its logs). "installed" is the last word: the
// host's token dies with it, so the copy of the kickstart Anaconda leaves in the installed system
// holds no live secret, and the machine's next discovery waits for a person (reprovision).
import type { Deps } from '../deps.js';
import { hostChanged } from '../events/host-changed.js';
import { errors } from '../errors.js';
import type { Host } from '../hosts/host.js';
import { transition } from '../hosts/lifecycle.js';
import { hostTokenValid } from '../hosts/tokens.js';
import { MAX_INSTALL_LOG } from '../schemas/install-events.js';
import { validators } from '../schemas/validate.js';

export interface EventResult {
  /** False when this callback was already recorded (a retry). */
  recorded: boolean;
  state: Host['state'];
  /** Present when the log was longer than MAX_INSTALL_LOG and only its tail was kept. */
  log_truncated?: true;
}

export async function recordInstallEvent(
  deps: Pick<Deps, 'hostsLock' | 'store' | 'log' | 'events'>,
  id: string,
  token: string | undefined,
  body: unknown,
  ip: string,
): Promise<EventResult> {
  let current = await deps.store.hosts.get(id);
  // As in a poll: the token may be newer than this instance's copy (answer-poll.ts).
  if (!current || !hostTokenValid(current, token)) current = await deps.store.hosts.getLatest(id);
  if (!current || !hostTokenValid(current, token)) throw errors.badHostToken();
  const event = validators.installEvent(body);
  const log = event.log === undefined ? undefined : utf8Tail(event.log, MAX_INSTALL_LOG);
  const key = event.event_id ? `${event.stage}:${event.event_id}` : event.stage;

  const outcome = await deps.hostsLock.run(async () => {
    const host = await deps.store.hosts.get(id);
    if (!host || !hostTokenValid(host, token)) throw errors.badHostToken();
    if (host.callbacks?.includes(key)) return { recorded: false as const, host, durable: Promise.resolve() };
    const said = event.message ? `: ${clean(event.message)}` : '';
    const kept = log?.text ? ` (${log.truncated ? 'last ' : ''}${Buffer.byteLength(log.text)} bytes of log kept)` : '';
    const messages = { installing: `installing${said}`, installed: `installed${said}`, failed: `install failed${said}${kept}` };
    let next = transition(host, event.stage, { actor: 'installer', ip, message: messages[event.stage] });
    if (event.stage === 'failed' && log?.truncated)
      next.events[next.events.length - 1] = { ...next.events[next.events.length - 1]!, log_truncated: true };
    next = { ...next, callbacks: [...(host.callbacks ?? []), key].slice(-20) };
    if (event.stage === 'installed') {
      const { token_expires_at: _gone, ...rest } = next;
      next = { ...rest, token_hash: '' };
    }
    const durable = deps.store.hosts.save(next);
    hostChanged(deps, host, next, { stage: event.stage, ip }, durable);
    return { recorded: true as const, host: next, durable };
  });
  await outcome.durable;
  deps.events.emit({ kind: 'callback', stage: event.stage });
  const keptLog = outcome.recorded && event.stage === 'failed' ? log : undefined;
  if (keptLog?.text) await deps.store.hosts.saveInstallLog(id, keptLog.text);
  return { recorded: outcome.recorded, state: outcome.host.state, ...(keptLog?.truncated ? { log_truncated: true as const } : {}) };
}

/** The last `maxBytes` bytes of `text` in UTF-8, starting on a character: the end of an installer's
 *  log is where the error is. */
export function utf8Tail(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf-8');
  if (bytes.length <= maxBytes) return { text, truncated: false };
  let start = bytes.length - maxBytes;
  // 10xxxxxx is a continuation byte: step forward to the first byte of the next character.
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return { text: bytes.subarray(start).toString('utf-8'), truncated: true };
}

/** One line, no control characters: the message lands in the timeline and in logs. */
function clean(text: string): string {
  return text
    .replace(/[\x00-\x1f\x7f]+/g, ' ')
    .trim()
    .slice(0, 500);
}
