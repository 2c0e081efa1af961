// The web forms: login, logout and the pages. Routes only wire; pages render views with data the use
// cases and the store return. Every POST carries the session's CSRF token.
//
// Everything the web forms are lives in src/web/:
//   index.ts         webRoutes(): mounts every page behind the session + CSRF guard (this file)
//   kit.ts           what each page module is handed (page, loggedIn, form) and the role checks
//   pages/*.ts       one module per area: login, hosts table, host, profiles, rules, templates, boot, audit, webhooks, bmc-credentials, tags, expected-hosts
//   flash.ts         what a POST did, kept for the page its 303 lands on (bulk results)
//   views/*.njk      the nunjucks views the pages render; views.ts builds their environment (autoescape on)
//   static/          stylesheet and scripts; static-files.ts serves them under /static/
//   sessions.ts      browser sessions and their cookie (kept by a SessionRepository, store/store.ts)
//   csrf.ts          form tokens: the session's CSRF token, the login form's cookie token
//   login-limit.ts   failed-login throttling (slows guessing, never locks a user out)
//   form-errors.ts   which errors a form shows next to a field; assign-form.ts reads the assign form
// `npm run build` copies views/ and static/ to dist/web/.
import cookie from 'cookie';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { sameToken } from './csrf.js';
import { LoginLimit } from './login-limit.js';
import { SESSION_COOKIE, type Session, type Sessions } from './sessions.js';
import { createViewEnvironment } from './views.js';
import { auditPage } from './pages/audit.js';
import { bootPage } from './pages/boot.js';
import { hostPages } from './pages/hosts.js';
import { hostPowerPages } from './pages/host-power.js';
import { hostsTablePages } from './pages/hosts-table.js';
import type { PageKit } from './kit.js';
import { loginPages } from './pages/login.js';
import { profilePages } from './pages/profiles.js';
import { rulePages } from './pages/rules.js';
import { staticFiles } from './static-files.js';
import { templatePages } from './pages/templates.js';
import { webhookPages } from './pages/webhooks.js';
import { bmcCredentialPages } from './pages/bmc-credentials.js';
import { tagPages } from './pages/tags.js';
import { expectedHostPages } from './pages/expected-hosts.js';
import { FailureCounter, type FailureCounts } from '../hosts/failure-counts.js';
import { allows } from '../auth/roles.js';

export function webRoutes(deps: Deps, sessions: Sessions = deps.sessions, limit = new LoginLimit(deps.limiters)): Router {
  const views = createViewEnvironment();
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: 64 * 1024, parameterLimit: 200 });
  // The failure banner and the Hosts badge on every logged-in page (layout.njk); counts are not
  // secret, every role sees them.
  const failures = new FailureCounter(deps);
  const page = (res: Response, view: string, data: object) => {
    const session = res.locals.session as Session | undefined;
    return res.type('html').send(
      views.render(view, {
        ...data,
        principal: session ? { name: session.user, role: session.role } : undefined,
        csrf: session?.csrf,
        failures: res.locals.failures as FailureCounts | undefined,
        nav_webhooks: session ? allows(session.role, 'webhooks:read') : false,
        nav_bmc_credentials: session ? allows(session.role, 'power:write') : false,
      }),
    );
  };

  const sessionOf = (req: Request) =>
    sessions.current(cookie.parse(req.headers.cookie ?? '')[SESSION_COOKIE], (name) => deps.store.users.get(name));
  // Before a large body is read (an upload): the session alone; `loggedIn` after the body checks CSRF.
  const signedIn: RequestHandler = async (req, res, next) => {
    const session = await sessionOf(req);
    if (!session) {
      res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    res.locals.session = session;
    next();
  };

  const loggedIn: RequestHandler = async (req, res, next) => {
    const session = await sessionOf(req);
    if (!session) {
      res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    res.locals.session = session;
    res.locals.actor = session.user;
    if (req.method === 'POST' && !sameToken((req.body as Record<string, unknown> | undefined)?._csrf, session.csrf)) {
      throw new AppError('FORBIDDEN', 'the form is out of date or came from another site (CSRF token mismatch); reload the page');
    }
    res.locals.failures = await failures.counts();
    next();
  };

  // Every page module gets the same page/session/form helpers.
  const kit: PageKit = { page, loggedIn, signedIn, form };
  router.use(profilePages(deps, kit));
  router.use(rulePages(deps, kit));
  router.use(templatePages(deps, kit));
  router.use(staticFiles());
  router.use(loginPages(deps, { views, sessions, limit, form, loggedIn }));
  router.get('/', (_req, res) => res.redirect(303, '/hosts'));
  router.use(hostsTablePages(deps, kit));
  const power = hostPowerPages(deps, kit);
  router.use(power.router);
  router.use(hostPages(deps, kit, power));
  router.use(auditPage(deps, kit));
  router.use(bootPage(deps, kit));
  router.use(webhookPages(deps, kit));
  router.use(bmcCredentialPages(deps, kit));
  router.use(tagPages(deps, kit));
  router.use(expectedHostPages(deps, kit));

  return router;
}
