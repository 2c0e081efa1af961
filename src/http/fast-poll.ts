// The hot path, outside express: every waiting machine asks GET /api/v1/discovery/{id}/next every few
// seconds, a rack of them at once. Express's router walks every mounted router and middleware for each
// request; this answers the one route with node:http directly — same use case (answerPoll), same
// answers (one writer, poll-answer.ts), same error bodies, same request log line, same counts
// (metrics/poll.ts) — and hands everything else to express.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerPoll, type PollAnswer, type PollDeps } from '../discovery/answer-poll.js';
import { AppError, errors } from '../errors.js';
import { baseUrlOf, clientIp } from './base-url.js';
import { bearerOf } from './auth.js';
import { rawHeader } from './raw-header.js';
import { writePollAnswer, writePollError } from './poll-answer.js';
import { pollAnswered } from '../metrics/poll.js';
import type { Deps } from '../deps.js';

const PREFIX = '/api/v1/discovery/';
const SUFFIX = '/next';

/** The host id of a poll's URL, as /^\/api\/v1\/discovery\/([A-Za-z0-9_-]{1,64})\/next(?:\?.*)?$/
 *  would give it (test/http/raw-header.test.ts checks the two agree), read with a loop. */
export function pollId(url: string): string | undefined {
  if (!url.startsWith(PREFIX)) return undefined;
  let end = PREFIX.length;
  for (; end < url.length && end - PREFIX.length <= 64; end++) {
    const c = url.charCodeAt(end);
    const idChar = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d;
    if (!idChar) break;
  }
  const length = end - PREFIX.length;
  if (length < 1 || length > 64 || !url.startsWith(SUFFIX, end)) return undefined;
  const after = end + SUFFIX.length;
  if (after !== url.length && url.charCodeAt(after) !== 0x3f) return undefined;
  return url.slice(PREFIX.length, end);
}

/** True when it took the request. */
export function fastPoll(deps: FastPollDeps, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET') return false;
  const id = pollId(req.url ?? '');
  if (id === undefined) return false;
  const started = performance.now();
  const poll: Poll = { id, ip: clientIp(req), started };
  let answer: PollAnswer | Promise<PollAnswer>;
  try {
    // Headers from rawHeaders (raw-header.ts): req.headers is never built on this path.
    const token = bearerOf(rawHeader(req.rawHeaders, 'authorization'));
    answer = answerPoll(deps, poll.id, token, poll.ip, () =>
      baseUrlOf(req.socket, rawHeader(req.rawHeaders, 'host'), deps.config.publicUrl),
    );
  } catch (err) {
    refused(deps, res, poll, err);
    return true;
  }
  // Nearly every poll is answered here, in the request's own turn, as a bare server would.
  if (!(answer instanceof Promise)) answered(deps, res, poll, answer);
  else
    answer.then(
      (a) => answered(deps, res, poll, a),
      (err: unknown) => refused(deps, res, poll, err),
    );
  return true;
}

type FastPollDeps = PollDeps & Pick<Deps, 'metrics'>;

interface Poll {
  id: string;
  ip: string;
  /** performance.now() when it came in. */
  started: number;
}

function answered(deps: FastPollDeps, res: ServerResponse, poll: Poll, answer: PollAnswer): void {
  writePollAnswer(res, answer);
  logged(deps, poll, res.statusCode);
}

function refused(deps: FastPollDeps, res: ServerResponse, poll: Poll, err: unknown): void {
  const e = err instanceof AppError ? err : errors.internal();
  if (e.status >= 500) deps.log.error({ err, method: 'GET', path: pathOf(poll) }, e.code === 'INTERNAL' ? 'unexpected error' : e.message);
  writePollError(res, e);
  logged(deps, poll, res.statusCode);
}

// A 202 is a heartbeat: 10,000 waiting machines polling every 5 s would write 2,000 info lines a
// second saying nothing. A 200 repeats what the state change already logged at info ("host state
// changed", with the action and the IP, answer-poll.ts) the first time, and a pino line with
// redaction costs as much as serving the cached kickstart. Both go at debug; refusals and errors,
// which someone may have to explain, stay at info.
function logged(deps: FastPollDeps, poll: Poll, status: number): void {
  pollAnswered(deps, poll.started, status);
  const level = status < 300 ? 'debug' : 'info';
  if (!deps.log.isLevelEnabled(level)) return;
  const ms = performance.now() - poll.started;
  deps.log[level]({ method: 'GET', path: pathOf(poll), status, ms: Math.round(ms * 10) / 10, ip: poll.ip }, 'request');
}

/** Never req.url: its query is the client's to fill, and a token put there must not reach the log. */
function pathOf(poll: Poll): string {
  return `/api/v1/discovery/${poll.id}/next`;
}
