// The one writer of a poll's answer (GET /api/v1/discovery/{id}/next): the fast path (fast-poll.ts) and
// the express route (discovery.ts) both call it, so the two cannot drift apart.
//
// How it writes is measured (docs/performance.md, "The poll path near the limit"): one writeHead with a
// flat [name, value, …] array built once per answer — node:http walks an object's keys for each
// response, and merging headers set earlier is its slow path. The waiting answer's few bytes go as a
// string, which node:http joins to the head in one write; a kickstart's ~9 KB go as the Buffer the
// render cache keeps — joined to the head as a string they would be copied and collected at every poll.
import type { ServerResponse } from 'node:http';
import type { PollAnswer } from '../discovery/answer-poll.js';
import type { AppError } from '../errors.js';
import { SECURITY_HEADERS } from './security-headers.js';

export function writePollAnswer(res: ServerResponse, answer: PollAnswer): void {
  if (answer.action === 'wait') send(res, 202, waitingHead(answer.retryAfter), WAITING);
  else if (answer.action === 'kickstart') send(res, 200, kickstartHead(answer.body), answer.body);
  else send(res, 200, head(orderHeaders(answer.action), answer.body), answer.body);
}

/** A refused or failed poll, with the body the express error handler gives (http/error-handler.ts);
 *  only the fast path needs it: express routes throw. */
export function writePollError(res: ServerResponse, err: AppError): void {
  const body = JSON.stringify(err.toJSON());
  send(res, err.status, head({ ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8' }, body), body);
}

const WAITING = 'waiting for assignment\n';
const waiting = new Map<number, string[]>();

/** The waiting answer's head (security headers included) is the same for every poll: built once per
 *  Retry-After value. */
function waitingHead(retryAfter: number): string[] {
  let h = waiting.get(retryAfter);
  if (!h)
    waiting.set(
      retryAfter,
      (h = head({ ...SECURITY_HEADERS, 'Cache-Control': 'no-store', 'Retry-After': String(retryAfter), 'Content-Type': TEXT }, WAITING)),
    );
  return h;
}

// A rendered kickstart is one Buffer while it is current (kickstart/render/cache.ts), sent to every
// repeat of its host's poll: its head is built once with it.
const kickstarts = new WeakMap<Buffer, string[]>();

function kickstartHead(body: Buffer): string[] {
  let h = kickstarts.get(body);
  if (!h) kickstarts.set(body, (h = headOf(orderHeaders('kickstart'), body.length)));
  return h;
}

const TEXT = 'text/plain; charset=utf-8';

function orderHeaders(action: string): Record<string, string> {
  return { ...SECURITY_HEADERS, 'Cache-Control': 'no-store', 'X-Kickstand-Action': action, 'Content-Type': TEXT };
}

function head(headers: Record<string, string>, body: string): string[] {
  return headOf(headers, Buffer.byteLength(body));
}

function headOf(headers: Record<string, string>, bytes: number): string[] {
  return [...Object.entries(headers).flat(), 'Content-Length', String(bytes)];
}

function send(res: ServerResponse, status: number, head: string[], body: string | Buffer): void {
  res.writeHead(status, head);
  res.end(body);
}
