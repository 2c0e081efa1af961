// Who is calling, and may they? Admin routes take a bearer token — KICKSTAND_ADMIN_TOKEN or a user's
// personal API token — (and, with the web forms, a session). The discovery routes are open to
// machines; a host's own routes take that host's token (checked in the use case, which owns it).
import type { Request, RequestHandler, Response } from 'express';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { hashToken, tokenMatches } from '../hosts/tokens.js';
import { allows, type Permission } from '../auth/roles.js';
import type { Principal } from '../auth/user.js';

export function bearer(req: Request): string | undefined {
  return bearerOf(req.headers.authorization);
}

/** The token of an `Authorization: Bearer …` header value: 1–512 visible ASCII characters. Read
 *  with a loop, not a regular expression: every poll reads one (test/http/raw-header.test.ts checks it
 *  against /^Bearer ([\x21-\x7e]{1,512})$/). */
export function bearerOf(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.length < 8 || authorization.length > 7 + 512) return undefined;
  if (!authorization.startsWith('Bearer ')) return undefined;
  for (let i = 7; i < authorization.length; i++) {
    const c = authorization.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return undefined;
  }
  return authorization.slice(7);
}

/** Resolve the caller into res.locals.principal, or answer 401. */
export function authenticate(deps: Deps, adminToken: string): RequestHandler {
  const adminHash = hashToken(adminToken);
  return async (req, res, next) => {
    const token = bearer(req);
    let principal: Principal | undefined;
    if (token && tokenMatches(token, adminHash)) principal = { name: 'admin-token', role: 'admin', via: 'admin-token' };
    else if (token) {
      const user = await deps.store.users.findByTokenHash(hashToken(token));
      if (user) principal = { name: user.name, role: user.role, via: 'api-token' };
    }
    if (!principal) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="kickstand"');
      throw new AppError('UNAUTHORIZED', 'missing or invalid credentials');
    }
    res.locals.principal = principal;
    res.locals.actor = principal.name;
    next();
  };
}

/** 403 unless the authenticated caller's role grants `permission`. */
export function can(permission: Permission): RequestHandler {
  return (_req, res, next) => {
    const p = principalOf(res);
    if (!allows(p.role, permission)) throw new AppError('FORBIDDEN', `role ${p.role} may not do this (needs ${permission})`);
    next();
  };
}

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

/** The chains most admin routes use: any signed-in role may read; hosts:write changes things. */
export function guards(deps: Deps, adminToken: string) {
  const auth = authenticate(deps, adminToken);
  return { auth, read: [auth, can('read')], write: [auth, can('hosts:write')] };
}
