// The per-client limits at the HTTP edge (src/discovery/client-limit.ts counts). POST
// /api/v1/discovery, before the body is read: over KICKSTAND_REGISTER_LIMIT from this client IP (an
// IPv6 client: its /64) is 429 RATE_LIMITED with Retry-After (the %pre sleeps that long, plus jitter,
// and tries again). GET /ks is never refused (see stubSightingLimit).
import type { Request, RequestHandler } from 'express';
import { ClientLimit, limitKey } from '../discovery/client-limit.js';
import { AppError } from '../errors.js';
import { clientIp } from './base-url.js';

export function registrationLimit(perMinute: number, limit = new ClientLimit(perMinute)): RequestHandler {
  return async (req, res, next) => {
    const ip = clientIp(req);
    const wait = await limit.take(limitKey(ip));
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      throw new AppError(
        'RATE_LIMITED',
        `too many registrations from ${ip} (at most ${perMinute} a minute, KICKSTAND_REGISTER_LIMIT); retry after ${wait} s`,
      );
    }
    next();
  };
}

/** GET /ks within KICKSTAND_KS_LIMIT: may this fetch be noted on a timeline? Over the limit the stub is
 *  served all the same — dracut fetches it once, with `curl --fail --retry 3`; older curl (RHEL 8's
 *  7.61) does not retry a 429 and 7.66+ only three times, and a failed fetch drops the machine into
 *  dracut's emergency shell (docs/reliability.md#the-stub-limit-and-the-timeline). Only the sighting
 *  is skipped. */
export function stubSightingLimit(perMinute: number, limit = new ClientLimit(perMinute)): (req: Request) => Promise<boolean> {
  // Never a reason to fail the stub: a limiter fault means "do not note", not a 500 to dracut.
  return async (req) => (await limit.take(limitKey(clientIp(req))).catch(() => 1)) === 0;
}
