// The web forms: login, logout and the pages. Routes only wire; pages render views with data the use
// cases and the store return. Every POST carries the session's CSRF token.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from 'cookie';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Deps } from '../deps.js';
import { verifyPassword } from '../auth/passwords.js';
import { allows } from '../auth/roles.js';
import { assignHost, deleteHost } from '../hosts/assign.js';
import { reprovisionHost, resetHost } from '../hosts/reset.js';
import { chosenColumns, EXTRA_COLUMNS, sortHosts, sortKeys } from '../hosts/table.js';
import { autoAssign } from '../rules/auto-assign.js';
import { PLACEHOLDER_REPO } from '../boot/options.js';
import { overlayBuilt } from '../boot/source.js';
import { allFormats, checkedSource } from '../boot/boot-config.js';
import type { BootSource } from '../boot/options.js';
import { listInstallers } from '../installers/manage.js';
import { AppError } from '../errors.js';
import { LoginLimit } from '../web/login-limit.js';
import { SESSION_COOKIE, Sessions, type Session } from '../web/sessions.js';
import { createViewEnvironment } from '../web/views.js';
import { baseUrl, clientIp } from './base-url.js';
import { configPages } from './web-config.js';
import { templatePages } from './web-templates.js';
import { fieldOf, isFormError } from './form-errors.js';

const LOGIN_COOKIE = 'ks_login';
const STATES = ['discovered', 'assigned', 'provisioning', 'installed', 'failed', 'lost'];
const STATIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web/static');
const STATIC: Record<string, { type: string; body: string }> = {
  'kickstand.css': { type: 'css', body: readFileSync(path.join(STATIC_DIR, 'kickstand.css'), 'utf-8') },
  'hosts.js': { type: 'js', body: readFileSync(path.join(STATIC_DIR, 'hosts.js'), 'utf-8') },
  'editor.js': { type: 'js', body: readFileSync(path.join(STATIC_DIR, 'editor.js'), 'utf-8') },
};
// A hash that must never verify: answers a login for an unknown user as slowly as for a known one.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export function webRoutes(deps: Deps, sessions = new Sessions(), limit = new LoginLimit()): Router {
  const views = createViewEnvironment();
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: 64 * 1024, parameterLimit: 200 });
  const page = (res: Response, view: string, data: object) => res.type('html').send(views.render(view, { ...data, principal: res.locals.session ? { name: (res.locals.session as Session).user, role: (res.locals.session as Session).role } : undefined, csrf: (res.locals.session as Session | undefined)?.csrf }));
  // The server itself only speaks plain HTTP: behind a TLS-terminating proxy the socket is never
  // encrypted, so an https public URL is what says browsers reach us over TLS.
  const secure = (req: Request) => Boolean((req.socket as { encrypted?: boolean }).encrypted) || Boolean(deps.config.publicUrl?.startsWith('https:'));
  const cookies = (req: Request) => cookie.parse(req.headers.cookie ?? '');

  const loggedIn: RequestHandler = (req, res, next) => {
    const session = sessions.get(cookies(req)[SESSION_COOKIE]);
    if (!session) {
      res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    res.locals.session = session;
    res.locals.actor = session.user;
    if (req.method === 'POST' && !sameToken((req.body as Record<string, unknown> | undefined)?._csrf, session.csrf)) {
      throw new AppError('FORBIDDEN', 'the form is out of date or came from another site (CSRF token mismatch); reload the page');
    }
    next();
  };

  // Profiles and rules pages live in their own module, with the same page/session/form helpers.
  router.use(configPages(deps, { page, loggedIn, form }));
  router.use(templatePages(deps, { page, loggedIn, form }));

  router.get('/static/:file', (req, res, next) => {
    const name = String(req.params.file);
    const file = Object.hasOwn(STATIC, name) ? STATIC[name] : undefined;
    if (!file) return next();
    res.type(file.type).setHeader('Cache-Control', 'max-age=3600').send(file.body);
  });

  router.get('/login', (req, res) => {
    const token = randomBytes(24).toString('base64url');
    res.setHeader('Set-Cookie', cookie.serialize(LOGIN_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: secure(req), path: '/login' }));
    res.type('html').send(views.render('login.njk', { title: 'Log in', csrf: token, next: safeNext(req.query.next), name: '' }));
  });

  router.post('/login', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const name = String(body.name ?? '').slice(0, 64);
    const next = safeNext(body.next);
    const ip = clientIp(req);
    const again = (status: number, error: string) => {
      const token = randomBytes(24).toString('base64url');
      res.setHeader('Set-Cookie', cookie.serialize(LOGIN_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: secure(req), path: '/login' }));
      res.status(status).type('html').send(views.render('login.njk', { title: 'Log in', csrf: token, next, name, error }));
    };
    if (!sameToken(body._csrf, cookies(req)[LOGIN_COOKIE])) return again(403, 'The form expired; please try again.');
    const wait = limit.retryAfter(ip, name);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      return again(429, `Too many failed logins; try again in ${Math.ceil(wait / 60)} minute(s).`);
    }
    const user = await deps.store.getUser(name);
    const ok = await verifyPassword(String(body.password ?? ''), user?.password_hash ?? DUMMY_HASH);
    if (!user || !ok) {
      limit.fail(ip, name);
      deps.log.warn({ user: name, ip }, 'login failed');
      return again(401, 'Wrong user name or password.');
    }
    limit.succeed(ip, name);
    const session = sessions.create(user.name, user.role);
    res.setHeader('Set-Cookie', [
      cookie.serialize(SESSION_COOKIE, session.id, { httpOnly: true, sameSite: 'lax', secure: secure(req), path: '/', maxAge: 12 * 3600 }),
      cookie.serialize(LOGIN_COOKIE, '', { httpOnly: true, path: '/login', maxAge: 0 }),
    ]);
    deps.log.info({ user: user.name, ip }, 'login');
    res.redirect(303, next);
  });

  router.post('/logout', form, loggedIn, (req, res) => {
    sessions.destroy((res.locals.session as Session).id);
    res.setHeader('Set-Cookie', cookie.serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'lax', secure: secure(req), path: '/', maxAge: 0 }));
    res.redirect(303, '/login');
  });

  router.get('/', (_req, res) => res.redirect(303, '/hosts'));

  const hostsPage = async (req: Request, res: Response, bulk?: { host: string; outcome: string; reason?: string }[]) => {
    const all = await deps.store.listHosts();
    const state = typeof req.query.state === 'string' && STATES.includes(req.query.state) ? req.query.state : '';
    const q = typeof req.query.q === 'string' ? req.query.q.trim().toLowerCase().slice(0, 200) : '';
    const sort = typeof req.query.sort === 'string' && sortKeys().includes(req.query.sort) ? req.query.sort : 'last_seen';
    const dir = req.query.dir === 'asc' || req.query.dir === 'desc' ? req.query.dir : sort === 'last_seen' ? 'desc' : 'asc';
    const columns = chosenColumns(req.query.cols);
    const hosts = sortHosts(
      all.filter((h) => (!state || h.state === state) && (!q || searchText(h).includes(q))),
      sort,
      dir,
    ).map((h) => ({ ...h, extra: columns.map((c) => c.value(h) ?? '—') }));
    const session = res.locals.session as Session;
    // Links that keep the filters and columns while changing the sort.
    const keep = new URLSearchParams();
    if (state) keep.set('state', state);
    if (q) keep.set('q', q);
    for (const c of columns) keep.append('cols', c.key);
    const sortLink = (key: string) => {
      const p = new URLSearchParams(keep);
      p.set('sort', key);
      p.set('dir', key === sort && dir === 'asc' ? 'desc' : 'asc');
      return `/hosts?${p.toString()}`;
    };
    page(res, 'hosts.njk', {
      sort,
      dir,
      columns,
      all_columns: EXTRA_COLUMNS.map((c) => ({ key: c.key, label: c.label, chosen: columns.includes(c) })),
      sort_links: Object.fromEntries(sortKeys().map((k) => [k, sortLink(k)])),
      title: 'Hosts',
      nav: 'hosts',
      hosts,
      total: all.length,
      states: STATES,
      state,
      q,
      ks_url: `${baseUrl(req, deps.config.publicUrl)}/ks`,
      can_write: allows(session.role, 'hosts:write'),
      profiles: await deps.store.listProfiles(),
      bulk,
    });
  };

  router.get('/hosts', loggedIn, (req, res) => hostsPage(req, res));

  // Bulk actions from the hosts table: each host is done on its own, and the page lists what
  // happened to each (one bad host does not stop the others).
  router.post('/hosts/bulk', form, loggedIn, async (req, res) => {
    const session = res.locals.session as Session;
    if (!allows(session.role, 'hosts:write')) throw new AppError('FORBIDDEN', `role ${session.role} may not change hosts`);
    const body = (req.body ?? {}) as Record<string, string | string[]>;
    const ids = ([] as string[]).concat(body.ids ?? []).slice(0, 1000);
    const action = String(body.bulk_action ?? '');
    const results: { host: string; outcome: string; reason?: string }[] = [];
    if (!ids.length) results.push({ host: '—', outcome: 'nothing selected' });
    else if (action === 'auto-assign') {
      for (const r of await autoAssign(deps, ids, session.user, baseUrl(req, deps.config.publicUrl))) results.push({ host: r.host, outcome: r.outcome, reason: r.reason });
    } else {
      for (const id of ids) {
        try {
          if (action === 'delete') await deleteHost(deps, id, session.user);
          else if (action === 'reset') await resetHost(deps, id, session.user, clientIp(req));
          else if (action === 'reprovision') await reprovisionHost(deps, id, session.user, clientIp(req));
          else if (action === 'assign') await assignHost(deps, id, { profile: String(body.profile ?? '') }, session.user, baseUrl(req, deps.config.publicUrl), clientIp(req));
          else throw new AppError('VALIDATION', 'choose assign, auto-assign, reset, reprovision or delete', 'bulk_action');
          const outcomes: Record<string, string> = { delete: 'deleted', reset: 'reset to waiting', reprovision: 'reprovisioned: waits for an assignment' };
          results.push({ host: id, outcome: outcomes[action] ?? 'assigned' });
        } catch (err) {
          if (!isFormError(err)) throw err;
          results.push({ host: id, outcome: 'failed', reason: err.message });
        }
      }
    }
    await hostsPage(req, res, results);
  });

  router.get('/audit', loggedIn, async (_req, res) => {
    page(res, 'audit.njk', { title: 'Audit', nav: 'audit', entries: (await deps.store.listAudit()).slice(0, 500) });
  });

  router.get('/boot', loggedIn, async (req, res) => {
    const url = baseUrl(req, deps.config.publicUrl);
    const q = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string).trim() : '');
    const typed = { installer: q('installer'), profile: q('profile'), repo: q('installer') ? '' : q('repo') };
    let src: BootSource;
    let error: { field: string; message: string } | undefined;
    try {
      src = await checkedSource(deps, url, { ...(typed.installer ? { installer: typed.installer } : {}), ...(typed.profile ? { profile: typed.profile } : {}), ...(typed.repo ? { repo: typed.repo } : {}) });
    } catch (err) {
      if (!isFormError(err)) throw err;
      error = { field: err.field ?? 'repo', message: err.message };
      src = await checkedSource(deps, url, {});
    }
    res.status(error ? 400 : 200);
    page(res, 'boot.njk', {
      title: 'Boot',
      nav: 'boot',
      typed,
      installers: await listInstallers(deps),
      profiles: await deps.store.listProfiles(),
      overlay: await overlayBuilt(deps),
      placeholder: PLACEHOLDER_REPO,
      error,
      lines: allFormats(src),
    });
  });

  router.get('/hosts/:id', loggedIn, async (req, res) => {
    await hostPage(res, String(req.params.id), {}, {});
  });

  router.get('/hosts/:id/facts.json', loggedIn, async (req, res) => {
    const facts = await deps.store.getFacts(String(req.params.id));
    if (!facts) throw new AppError('HOST_NOT_FOUND', `no host with id "${String(req.params.id)}"`);
    res.setHeader('Content-Disposition', `attachment; filename="facts-${String(req.params.id)}.json"`);
    res.json(facts);
  });

  router.post('/hosts/:id/assign', form, loggedIn, async (req, res) => {
    const id = String(req.params.id);
    const body = (req.body ?? {}) as Record<string, string>;
    const typed = { profile: body.profile ?? '', template: body.template ?? '', hostname: body.hostname ?? '', params: body.params ?? '' };
    const session = res.locals.session as Session;
    if (!allows(session.role, 'hosts:write')) throw new AppError('FORBIDDEN', `role ${session.role} may not assign hosts`);
    let params: unknown = {};
    try {
      params = typed.params.trim() ? JSON.parse(typed.params) : {};
    } catch (err) {
      res.status(400);
      return hostPage(res, id, typed, { params: `not valid JSON: ${(err as Error).message}` });
    }
    if (typed.profile && typed.template) {
      res.status(400);
      return hostPage(res, id, typed, { template: 'choose a profile or a template, not both' });
    }
    // A template chosen without a profile is a direct kickstart assignment with the typed params.
    const request = typed.template && !typed.profile
      ? { action: 'kickstart', template: typed.template, ...(typed.hostname ? { hostname: typed.hostname } : {}), params }
      : { profile: typed.profile, ...(typed.hostname ? { hostname: typed.hostname } : {}), params };
    try {
      await assignHost(deps, id, request, session.user, baseUrl(req, deps.config.publicUrl), clientIp(req));
    } catch (err) {
      if (!isFormError(err) || err.code === 'HOST_NOT_FOUND') throw err;
      // Re-render the form with the message next to its field; nothing typed is lost.
      const field = fieldOf(err, ['profile', 'template', 'hostname', 'params']);
      res.status(err.status);
      return hostPage(res, id, typed, { [field]: err.message });
    }
    res.redirect(303, `/hosts/${id}`);
  });

  for (const [path, act] of [['reset', resetHost], ['reprovision', reprovisionHost]] as const) {
    router.post(`/hosts/:id/${path}`, form, loggedIn, async (req, res) => {
      const session = res.locals.session as Session;
      if (!allows(session.role, 'hosts:write')) throw new AppError('FORBIDDEN', `role ${session.role} may not ${path} hosts`);
      const id = String(req.params.id);
      try {
        await act(deps, id, session.user, clientIp(req));
      } catch (err) {
        if (!isFormError(err) || err.code === 'HOST_NOT_FOUND') throw err;
        res.status(err.status);
        return hostPage(res, id, {}, { reset: err.message });
      }
      res.redirect(303, `/hosts/${id}`);
    });
  }

  router.get('/hosts/:id/install.log', loggedIn, async (req, res) => {
    const log = await deps.store.getInstallLog(String(req.params.id));
    if (log === undefined) throw new AppError('NOT_FOUND', `host ${String(req.params.id)} has no install log`);
    res.type('text/plain; charset=utf-8').send(log);
  });

  router.post('/hosts/:id/delete', form, loggedIn, async (req, res) => {
    const session = res.locals.session as Session;
    if (!allows(session.role, 'hosts:write')) throw new AppError('FORBIDDEN', `role ${session.role} may not delete hosts`);
    await deleteHost(deps, String(req.params.id), session.user);
    res.redirect(303, '/hosts');
  });

  async function hostPage(res: Response, id: string, typed: Record<string, string>, errors: Record<string, string>) {
    const host = await deps.store.getHost(id);
    if (!host) throw new AppError('HOST_NOT_FOUND', `no host with id "${id}"`);
    const session = res.locals.session as Session;
    page(res, 'host.njk', {
      title: host.hostname ?? host.id,
      nav: 'hosts',
      host,
      facts: await deps.store.getFacts(id),
      has_log: (await deps.store.getInstallLog(id)) !== undefined,
      profiles: await deps.store.listProfiles(),
      templates: await deps.kickstarts.list(),
      can_write: allows(session.role, 'hosts:write'),
      form: {
        profile: typed.profile ?? host.assignment?.profile ?? '',
        template: typed.template ?? (host.assignment?.action === 'kickstart' && !host.assignment.profile ? host.assignment.template : ''),
        hostname: typed.hostname ?? host.hostname ?? '',
        params: typed.params ?? '',
      },
      errors,
    });
  }

  return router;
}

function searchText(h: { id: string; boot_mac: string; hostname?: string; serial?: string; summary: { vendor?: string; product?: string; ip?: string } }): string {
  return [h.id, h.boot_mac, h.hostname, h.serial, h.summary.vendor, h.summary.product, h.summary.ip].filter(Boolean).join(' ').toLowerCase();
}

function sameToken(given: unknown, expected: string | undefined): boolean {
  if (typeof given !== 'string' || !expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Only local paths: `next=https://evil.example` must not turn login into an open redirect. */
function safeNext(raw: unknown): string {
  return typeof raw === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(raw) ? raw : '/hosts';
}
