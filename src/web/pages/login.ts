// Logging in and out of the web pages. The login form carries its own token in a cookie (there is no
// session yet to hold one); failures count against the login throttle (web/login-limit.ts), which
// makes the guessing address wait and only slows the name, so nobody can lock a user out. Logins,
// failures and logouts go to the audit trail (a failure names the user only if it exists, in the trail
// and the log alike: people type their password into the name box).
import { randomBytes } from 'node:crypto';
import cookie from 'cookie';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type nunjucks from 'nunjucks';
import type { Deps } from '../../deps.js';
import { verifyPassword } from '../../auth/passwords.js';
import { audit } from '../../audit/audit.js';
import { sameToken } from '../csrf.js';
import type { LoginLimit } from '../login-limit.js';
import { SESSION_COOKIE, type Session, type Sessions } from '../sessions.js';
import { clientIp } from '../../http/base-url.js';

const LOGIN_COOKIE = 'ks_login';
// A hash that must never verify: answers a login for an unknown user as slowly as for a known one.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export interface LoginKit {
  views: nunjucks.Environment;
  sessions: Sessions;
  limit: LoginLimit;
  form: RequestHandler;
  loggedIn: RequestHandler;
}

export function loginPages(deps: Deps, { views, sessions, limit, form, loggedIn }: LoginKit): Router {
  const router = Router();
  // The server itself only speaks plain HTTP: behind a TLS-terminating proxy the socket is never
  // encrypted, so an https public URL is what says browsers reach us over TLS.
  const secure = (req: Request) =>
    Boolean((req.socket as { encrypted?: boolean }).encrypted) || Boolean(deps.config.publicUrl?.startsWith('https:'));
  const loginForm = (req: Request, res: Response, data: { next: string; name: string; error?: string }) => {
    const token = randomBytes(24).toString('base64url');
    res.setHeader(
      'Set-Cookie',
      cookie.serialize(LOGIN_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: secure(req), path: '/login' }),
    );
    res.type('html').send(views.render('login.njk', { title: 'Log in', csrf: token, ...data }));
  };

  router.get('/login', (req, res) => {
    loginForm(req, res, { next: safeNext(req.query.next), name: '' });
  });

  router.post('/login', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, string | string[] | undefined>; // urlencoded, not extended: a repeated field is an array
    const name = String(body.name ?? '').slice(0, 64);
    const next = safeNext(body.next);
    const ip = clientIp(req);
    const again = (status: number, error: string) => loginForm(req, res.status(status), { next, name, error });
    if (!sameToken(body._csrf, cookie.parse(req.headers.cookie ?? '')[LOGIN_COOKIE])) {
      again(403, 'The form expired; please try again.');
      return;
    }
    const gate = await limit.check(ip, name);
    if (gate.retryAfter > 0) {
      res.setHeader('Retry-After', String(gate.retryAfter));
      again(429, `Too many failed logins from this address for this name; try again in ${gate.retryAfter} second(s).`);
      return;
    }
    if (gate.slowMs > 0) await new Promise((resolve) => setTimeout(resolve, gate.slowMs));
    const user = await deps.store.users.get(name);
    const ok = await verifyPassword(String(body.password ?? ''), user?.password_hash ?? DUMMY_HASH);
    if (!user || !ok) {
      await limit.fail(ip, name);
      const who = user ? user.name : '(unknown user)';
      deps.log.warn({ user: who, ip }, 'login failed');
      await audit(deps, 'anonymous', 'login.failure', who, `from ${ip}`);
      again(401, 'Wrong user name or password.');
      return;
    }
    await limit.succeed(ip, name);
    const session = await sessions.create(user);
    res.setHeader('Set-Cookie', [
      cookie.serialize(SESSION_COOKIE, session.id, { httpOnly: true, sameSite: 'lax', secure: secure(req), path: '/', maxAge: 12 * 3600 }),
      cookie.serialize(LOGIN_COOKIE, '', { httpOnly: true, path: '/login', maxAge: 0 }),
    ]);
    await audit(deps, user.name, 'login', user.name, `from ${ip}`);
    res.redirect(303, next);
  });

  router.post('/logout', form, loggedIn, async (req, res) => {
    const session = res.locals.session as Session;
    await sessions.destroy(session.id);
    await audit(deps, session.user, 'logout', session.user, `from ${clientIp(req)}`);
    res.setHeader(
      'Set-Cookie',
      cookie.serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'lax', secure: secure(req), path: '/', maxAge: 0 }),
    );
    res.redirect(303, '/login');
  });

  return router;
}

/** Only local paths: `next=https://evil.example` must not turn login into an open redirect. */
function safeNext(raw: unknown): string {
  return typeof raw === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(raw) ? raw : '/hosts';
}
