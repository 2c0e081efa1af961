// Who may call what. Admin routes take the admin bearer token; the discovery routes are open to
// machines, and a host's own routes take that host's token (checked in the use case, which owns it).
import type { Request, RequestHandler } from 'express';
import { AppError } from '../errors.js';
import { hashToken, tokenMatches } from '../hosts/tokens.js';

export function bearer(req: Request): string | undefined {
  const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(req.headers.authorization ?? '');
  return m?.[1];
}

export function requireAdmin(adminToken: string): RequestHandler {
  const hash = hashToken(adminToken);
  return (req, res, next) => {
    const token = bearer(req);
    if (!token || !tokenMatches(token, hash)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="kickstand"');
      next(new AppError('UNAUTHORIZED', 'missing or invalid admin token'));
      return;
    }
    res.locals.actor = 'admin';
    next();
  };
}
