// What every web page module is handed by index.ts, and the role checks they share.
import type { RequestHandler, Response } from 'express';
import { allows, type Permission } from '../auth/roles.js';
import { AppError } from '../errors.js';
import type { Session } from './sessions.js';

export interface PageKit {
  /** Render a view as the page, with the signed-in user and the session's CSRF token. */
  page: (res: Response, view: string, data: object) => unknown;
  /** The session guard: no session → the login page; a POST without the session's CSRF token → 403. */
  loggedIn: RequestHandler;
  /** The session alone (no CSRF check: the body is not read yet), for a route that reads a large body
   *  after it: nobody without a valid session makes the service read megabytes. */
  signedIn: RequestHandler;
  /** The urlencoded form body parser. */
  form: RequestHandler;
}

/** Whether the signed-in user's role grants `permission` (for a page to show or hide its forms). */
export function can(res: Response, permission: Permission): boolean {
  return allows((res.locals.session as Session).role, permission);
}

/** The role guard after `loggedIn`: refuses with "role … may not <what>" unless the role grants `permission`. */
export function may(permission: Permission, what: string): RequestHandler {
  return (_req, res, next) => {
    mustBeAllowed(res, permission, what);
    next();
  };
}

/** The same check inside a handler, for a form whose permission depends on what it was asked to do. */
export function mustBeAllowed(res: Response, permission: Permission, what: string): void {
  if (!can(res, permission)) throw new AppError('FORBIDDEN', `role ${(res.locals.session as Session).role} may not ${what}`);
}
