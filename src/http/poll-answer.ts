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
  else
    send(
      res,
      200,
      {
        ...SECURITY_HEADERS,
        'Cache-Control': 'no-store',
        'X-Kickstand-Action': answer.action,
        'Content-Type': 'text/plain; charset=utf-8',
      },
      answer.body,
    );
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
