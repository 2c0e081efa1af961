// The hot path, outside express: every waiting machine asks GET /api/v1/discovery/{id}/next every few
// seconds, a rack of them at once. Express's router walks every mounted router and middleware for each
// request; this answers the one route with node:http directly — same use case (answerPoll), same
// answers, same error bodies, same request log line — and hands everything else to express.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import type { Deps } from '../deps.js';
import { answerPoll } from '../discovery/answer-poll.js';
import { AppError, errors } from '../errors.js';
import { baseUrl, clientIp } from './base-url.js';
import { bearer } from './auth.js';
import { SECURITY_HEADERS } from './security-headers.js';

const POLL = /^\/api\/v1\/discovery\/([A-Za-z0-9_-]{1,64})\/next(?:\?.*)?$/;

/** True when it took the request. */
export function fastPoll(deps: Deps, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET') return false;
  const m = POLL.exec(req.url ?? '');
  if (!m) return false;
  const started = process.hrtime.bigint();
  const asExpress = req as unknown as Request;
  const ip = clientIp(asExpress);
  // Never req.url: its query is the client's to fill, and a token put there must not reach the log.
  const path = `/api/v1/discovery/${m[1]}/next`;
  // A 202 is a heartbeat: 10,000 waiting machines polling every 5 s would write 2,000 info lines a
  // second saying nothing. A 200 repeats what the state change already logged at info ("host state
  // changed", with the action and the IP, answer-poll.ts) the first time, and a pino line with
  // redaction costs as much as serving the cached kickstart. Both go at debug; refusals and errors,
  // which someone may have to explain, stay at info.
  const logged = (status: number) => {
    const level = status < 300 ? 'debug' : 'info';
    if (!deps.log.isLevelEnabled(level)) return;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    deps.log[level]({ method: 'GET', path, status, ms: Math.round(ms * 10) / 10, ip }, 'request');
  };
  answerPoll(deps, m[1]!, bearer(asExpress), ip, () => baseUrl(asExpress, deps.config.publicUrl)).then(
    (answer) => {
      if (answer.action === 'wait') send(res, 202, waitingHeaders(answer.retryAfter), WAITING);
      else send(res, 200, { ...SECURITY_HEADERS, 'Cache-Control': 'no-store', 'X-Kickstand-Action': answer.action, 'Content-Type': 'text/plain; charset=utf-8' }, answer.body);
      logged(res.statusCode);
    },
    (err: unknown) => {
      const e = err instanceof AppError ? err : errors.internal();
      if (e.status >= 500) deps.log.error({ err, method: 'GET', path }, e.code === 'INTERNAL' ? 'unexpected error' : e.message);
      send(res, e.status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8' }, JSON.stringify(e.toJSON()));
      logged(res.statusCode);
    },
  );
  return true;
}

const WAITING = Buffer.from('waiting for assignment\n');
const waiting = new Map<number, Record<string, string>>();

/** The waiting answer's headers (security headers included) are the same for every poll: built once
 *  per Retry-After value, written by one writeHead. */
function waitingHeaders(retryAfter: number): Record<string, string> {
  let h = waiting.get(retryAfter);
  if (!h) waiting.set(retryAfter, (h = { ...SECURITY_HEADERS, 'Cache-Control': 'no-store', 'Retry-After': String(retryAfter), 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(WAITING.length) }));
  return h;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, headers['Content-Length'] ? headers : { ...headers, 'Content-Length': String(buf.length) });
  res.end(buf);
}
