// The hot path, outside express: every waiting machine asks GET /api/v1/discovery/{id}/next every few
// seconds, a rack of them at once. Express's router walks every mounted router and middleware for each
// request; this answers the one route with node:http directly — same use case (answerPoll), same
// answers, same error bodies, same request log line — and hands everything else to express.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import type { Deps } from '../deps.js';
import { answerPoll } from '../discovery/answer-poll.js';
import { AppError } from '../errors.js';
import { baseUrl, clientIp } from './base-url.js';
import { bearer } from './auth.js';

const POLL = /^\/api\/v1\/discovery\/([A-Za-z0-9_-]{1,64})\/next(?:\?.*)?$/;

/** True when it took the request. */
export function fastPoll(deps: Deps, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET') return false;
  const m = POLL.exec(req.url ?? '');
  if (!m) return false;
  const started = process.hrtime.bigint();
  const asExpress = req as unknown as Request;
  const ip = clientIp(asExpress);
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    deps.log.info({ method: 'GET', path: `/api/v1/discovery/${m[1]}/next`, status: res.statusCode, ms: Math.round(ms * 10) / 10, ip }, 'request');
  });
  answerPoll(deps, m[1]!, bearer(asExpress), ip, () => baseUrl(asExpress, deps.config.publicUrl)).then(
    (answer) => {
      if (answer.action === 'wait') {
        send(res, 202, { 'Cache-Control': 'no-store', 'Retry-After': String(answer.retryAfter), 'Content-Type': 'text/plain; charset=utf-8' }, 'waiting for assignment\n');
      } else {
        send(res, 200, { 'Cache-Control': 'no-store', 'X-Kickstand-Action': answer.action, 'Content-Type': 'text/plain; charset=utf-8' }, answer.body);
      }
    },
    (err: unknown) => {
      const e = err instanceof AppError ? err : new AppError('INTERNAL', 'internal error');
      if (e.status >= 500) deps.log.error({ err, method: 'GET', path: req.url }, e.code === 'INTERNAL' ? 'unexpected error' : e.message);
      send(res, e.status, { 'Content-Type': 'application/json; charset=utf-8' }, JSON.stringify(e.toJSON()));
    },
  );
  return true;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  const buf = Buffer.from(body);
  res.writeHead(status, { ...headers, 'Content-Length': String(buf.length) });
  res.end(buf);
}
