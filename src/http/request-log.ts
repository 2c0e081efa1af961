// One log line per request: method, path (never the query or headers: tokens travel there), status,
// duration and client address.
import type { RequestHandler } from 'express';
import type { Logger } from '../log.js';
import { clientIp } from './base-url.js';

export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      log.info({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10, ip: clientIp(req) }, 'request');
    });
    next();
  };
}
