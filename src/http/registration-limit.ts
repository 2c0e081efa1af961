// POST /api/v1/discovery, before the body is read: over KICKSTAND_REGISTER_LIMIT from this client IP
// (an IPv6 client: its /64) is 429 RATE_LIMITED with Retry-After (the %pre sleeps that long, plus jitter, and tries again).
import type { RequestHandler } from 'express';
import { RegistrationLimit, limitKey } from '../discovery/registration-limit.js';
import { AppError } from '../errors.js';
import { clientIp } from './base-url.js';

export function registrationLimit(perMinute: number, limit = new RegistrationLimit(perMinute)): RequestHandler {
  return (req, res, next) => {
    const ip = clientIp(req);
    const wait = limit.take(limitKey(ip));
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      throw new AppError('RATE_LIMITED', `too many registrations from ${ip} (at most ${perMinute} a minute, KICKSTAND_REGISTER_LIMIT); retry after ${wait} s`);
    }
    next();
  };
}
