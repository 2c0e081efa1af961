// The one writer of a poll's answer (GET /api/v1/discovery/{id}/next): the fast path (fast-poll.ts) and
// the express route (discovery.ts) both call it, so the two cannot drift apart. Headers are written by
// one writeHead, prebuilt where they never change: merging headers set earlier is the slow path of
// node:http, and the waiting answer is most of the traffic (docs/performance.md, the poll figure).
import type { ServerResponse } from 'node:http';
import type { PollAnswer } from '../discovery/answer-poll.js';
import type { AppError } from '../errors.js';
import { SECURITY_HEADERS } from './security-headers.js';

export function writePollAnswer(res: ServerResponse, answer: PollAnswer): void {
  if (answer.action === 'wait') send(res, 202, waitingHeaders(answer.retryAfter), WAITING);
  else if (answer.action === 'kickstart') send(res, 200, kickstartHeaders(answer.body), answer.body);
  else send(res, 200, orderHeaders(answer.action), answer.body);
}

function orderHeaders(action: string): Record<string, string> {
  return { ...SECURITY_HEADERS, 'Cache-Control': 'no-store', 'X-Kickstand-Action': action, 'Content-Type': 'text/plain; charset=utf-8' };
}

// A rendered kickstart is kept as one Buffer while it is current (kickstart/render/cache.ts) and sent
// to every repeat of its host's poll: its headers, Content-Length included, are built once with it.
const kickstarts = new WeakMap<Buffer, Record<string, string>>();

function kickstartHeaders(body: Buffer): Record<string, string> {
  let h = kickstarts.get(body);
  if (!h) kickstarts.set(body, (h = { ...orderHeaders('kickstart'), 'Content-Length': String(body.length) }));
  return h;
}

/** A refused or failed poll, with the body the express error handler gives (http/error-handler.ts);
 *  only the fast path needs it: express routes throw. */
export function writePollError(res: ServerResponse, err: AppError): void {
  send(res, err.status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8' }, JSON.stringify(err.toJSON()));
}

const WAITING = Buffer.from('waiting for assignment\n');
const waiting = new Map<number, Record<string, string>>();

/** The waiting answer's headers (security headers included) are the same for every poll: built once
 *  per Retry-After value. */
function waitingHeaders(retryAfter: number): Record<string, string> {
  let h = waiting.get(retryAfter);
  if (!h)
    waiting.set(
      retryAfter,
      (h = {
        ...SECURITY_HEADERS,
        'Cache-Control': 'no-store',
        'Retry-After': String(retryAfter),
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': String(WAITING.length),
      }),
    );
  return h;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, headers['Content-Length'] ? headers : { ...headers, 'Content-Length': String(buf.length) });
  res.end(buf);
}
