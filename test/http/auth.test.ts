// Authentication and roles on the admin API and the web pages. Routes are enumerated from the app
// itself (routers inside routers too), so a route added tomorrow without authentication or CSRF check
// fails this test instead of shipping open.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import express, { Router } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/auth/passwords.js';
import { sampleFacts } from '../support/facts.js';
import { routeKeys, samplePath } from '../support/routes.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, webLogin } from '../support/sessions.js';

let srv: TestServer;
const tokens: Record<string, string> = {};

/** Machines' routes: open, or guarded by the host's own token. */
const PUBLIC = new Set([
  'GET /ks',
  'POST /api/v1/discovery',
  'GET /api/v1/discovery/:id/next',
  'POST /api/v1/discovery/:id/events',
  'GET /api/v1/openapi.json',
  // The same document rendered for people (Swagger UI): open like the document (test/http/api-reference.test.ts).
  'GET /api/docs',
  // A load balancer's health check: says only whether the store takes writes (test/http/health.test.ts).
  'GET /healthz',
  // Prometheus's scrape: counts and latencies, no host id, MAC, hostname or secret in any label; a bearer
  // token of its own when KICKSTAND_METRICS_TOKEN is set (test/metrics/endpoint.test.ts).
  'GET /metrics',
  // What Anaconda fetches before any kickstart: the overlay and the tree it sits in.
  'GET /images/product.img',
  'GET /updates.img',
  'GET /tree/:name/*path',
  'GET /boot/:format',
  // The dracut discovery image and its boot entries: firmware and iPXE have no credentials.
  'GET /discovery/vmlinuz',
  'GET /discovery/initrd.img',
  'GET /discovery/boot/:format',
  // The web forms' way in, and what the login page itself needs.
  'GET /login',
  'POST /login',
  'GET /',
  'GET /static/:file',
]);

/** How many routes the app had when this was last checked: finding fewer means the walk lost some (a
 *  router level it no longer reaches), and the checks below would silently skip them. */
const KNOWN_ROUTES = 88;

const routes = () => routeKeys(srv.running.app);

const call = (route: string, token?: string) => {
  const [method, url] = route.split(' ') as [string, string];
  const r = (request(srv.url) as unknown as Record<string, (u: string) => request.Test>)[method.toLowerCase()]!(samplePath(url));
  return token ? r.set('Authorization', `Bearer ${token}`) : r;
};

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  for (const role of ['operator', 'author', 'viewer']) {
    await createUser(srv, role, role, `${role}-password-123`);
    const res = await request(srv.url)
      .post(`/api/v1/users/${role}/tokens`)
      .set('Authorization', `Bearer ${srv.adminToken}`)
      .send({ name: 'test' })
      .expect(201);
    tokens[role] = res.body.token;
  }
});
afterAll(async () => srv.stop());

describe('route enumeration', () => {
  it('When routers are mounted inside routers, then every route is found with its full path', () => {
    const inner = Router();
    inner.get('/leaf/:id', (_req, res) => res.end());
    const middle = Router();
    middle.post('/direct', (_req, res) => res.end());
    middle.use('/inner', inner);
    const app = express();
    app.use((_req, _res, next) => next());
    app.use(middle);
    app.use('/mounted/', middle);
    expect(routeKeys(app)).toEqual(['POST /direct', 'GET /inner/leaf/:id', 'POST /mounted/direct', 'GET /mounted/inner/leaf/:id']);
  });

  it('When the app is enumerated, then the web pages in nested routers are found and no route went missing', () => {
    const all = routes();
    expect(all.length).toBeGreaterThanOrEqual(KNOWN_ROUTES);
    for (const nested of ['GET /profiles', 'POST /rules/:name', 'POST /templates/save', 'GET /hosts/:id']) expect(all).toContain(nested);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('authentication', () => {
  it('When any non-machine API route is called without or with a wrong token, then 401', async () => {
    const all = routes();
    const guarded = all.filter((r) => !PUBLIC.has(r) && r.includes(' /api/'));
    for (const route of guarded) {
      for (const token of [undefined, 'wrong-token-wrong-token', `${tokens.viewer}x`]) {
        const res = await call(route, token);
        expect(res.status, `${route} with ${token ?? 'no token'}`).toBe(401);
        expect(res.body.error.code).toBe('UNAUTHORIZED');
      }
    }
    // And the public list only holds routes that exist.
    for (const route of PUBLIC) expect(all).toContain(route);
  });

  it('When any web page is opened or posted without a session, then it sends the browser to the login form', async () => {
    const pages = routes().filter((r) => !PUBLIC.has(r) && !r.includes(' /api/'));
    expect(pages.length).toBeGreaterThan(1);
    for (const route of pages) {
      const res = await call(route);
      expect(res.status, route).toBe(303);
      expect(res.headers.location, route).toMatch(/^\/login\?next=/);
    }
  });

  it('When any web form is posted with a session but without or with a wrong CSRF token, then 403 and the session and data are untouched', async () => {
    const { agent, csrf } = await webLogin(srv, 'operator', 'operator-password-123');
    // Same length as the real one, so the comparison itself is what refuses it.
    const wrong = `${csrf.startsWith('A') ? 'B' : 'A'}${csrf.slice(1)}`;
    const auditBefore = (await call('GET /api/v1/audit', srv.adminToken)).body.entries.length;
    const posts = routes().filter((r) => r.startsWith('POST ') && !PUBLIC.has(r) && !r.includes(' /api/'));
    expect(posts.length).toBeGreaterThanOrEqual(16);
    for (const route of posts) {
      const url = samplePath(route.slice('POST '.length));
      for (const body of [{}, { _csrf: wrong }]) {
        const res = await agent.post(url).type('form').set('Accept', 'text/html').send(body);
        expect(res.status, `${route} with ${body._csrf ? 'a wrong' : 'no'} token`).toBe(403);
        expect(res.text, route).toContain('CSRF');
      }
    }
    await agent.get('/hosts').expect(200);
    expect((await call('GET /api/v1/audit', srv.adminToken)).body.entries.length).toBe(auditBefore);
  });

  it('When a personal token is created, then only its hash is stored, it works, and revoking it kills it', async () => {
    const data = await readFile(path.join(srv.dataDir, 'kickstand.json'), 'utf-8');
    for (const t of Object.values(tokens)) expect(data).not.toContain(t);
    const me = await call('GET /api/v1/me', tokens.viewer);
    expect(me.body).toEqual({ name: 'viewer', role: 'viewer', via: 'api-token' });
    const mine = await request(srv.url)
      .post('/api/v1/me/tokens')
      .set('Authorization', `Bearer ${tokens.viewer}`)
      .send({ name: 'laptop' })
      .expect(201);
    await call('GET /api/v1/hosts', mine.body.token).expect(200);
    await request(srv.url).delete(`/api/v1/me/tokens/${mine.body.id}`).set('Authorization', `Bearer ${tokens.viewer}`).expect(204);
    await call('GET /api/v1/hosts', mine.body.token).expect(401);
  });

  it('When users are listed, then no password or token hash is shown, and the stored hash is scrypt', async () => {
    const res = await call('GET /api/v1/users', srv.adminToken).expect(200);
    expect(JSON.stringify(res.body)).not.toMatch(/scrypt|password_hash|"hash"/);
    const doc = JSON.parse(await readFile(path.join(srv.dataDir, 'kickstand.json'), 'utf-8'));
    expect(doc.users.viewer.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('viewer-password-123', doc.users.viewer.password_hash)).toBe(true);
    expect(await verifyPassword('viewer-password-124', doc.users.viewer.password_hash)).toBe(false);
  });

  it('When the service starts with no user, then an admin user exists', async () => {
    const res = await call('GET /api/v1/users', srv.adminToken);
    expect(res.body.users.map((u: { name: string; role: string }) => `${u.name}:${u.role}`)).toContain('admin:admin');
  });
});

describe('roles', () => {
  it('When a viewer reads, then 200; when a viewer changes anything, then 403 naming the permission', async () => {
    const { body } = await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201);
    await call('GET /api/v1/hosts', tokens.viewer).expect(200);
    await call(`GET /api/v1/hosts/${body.id}`.replace('x1', body.id), tokens.viewer).expect(200);
    const res = await request(srv.url)
      .post(`/api/v1/hosts/${body.id}/assignment`)
      .set('Authorization', `Bearer ${tokens.viewer}`)
      .send({ action: 'reboot' });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN' });
    expect(res.body.error.message).toContain('hosts:write');
  });

  it('When an operator assigns a host, then it works and the timeline names the operator', async () => {
    const { body } = await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201);
    await request(srv.url)
      .post(`/api/v1/hosts/${body.id}/assignment`)
      .set('Authorization', `Bearer ${tokens.operator}`)
      .send({ action: 'reboot' })
      .expect(200);
    const host = (await request(srv.url).get(`/api/v1/hosts/${body.id}`).set('Authorization', `Bearer ${tokens.operator}`)).body;
    expect(host.events.at(-1)).toMatchObject({ type: 'assigned', actor: 'operator' });
  });

  it('When an author or operator manages users, or an author changes rules, then 403', async () => {
    for (const role of ['author', 'operator']) {
      await request(srv.url)
        .post('/api/v1/users')
        .set('Authorization', `Bearer ${tokens[role]}`)
        .send({ name: 'mallory', role: 'admin' })
        .expect(403);
    }
    await request(srv.url)
      .post('/api/v1/rules')
      .set('Authorization', `Bearer ${tokens.author}`)
      .send({ name: 'r', expression: 'memory_mib > 1', profile: 'x' })
      .expect(403);
  });

  it('When a user is created with a bad name, role or short password, then 400 naming the field', async () => {
    const admin = { Authorization: `Bearer ${srv.adminToken}` };
    for (const [body, field] of [
      [{ name: 'Bad Name', role: 'viewer' }, 'name'],
      [{ name: 'eve', role: 'root' }, 'role'],
      [{ name: 'eve', role: 'viewer', password: 'short' }, 'password'],
    ] as const) {
      const res = await request(srv.url).post('/api/v1/users').set(admin).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
    const made = await request(srv.url).post('/api/v1/users').set(admin).send({ name: 'eve', role: 'viewer' }).expect(201);
    expect(made.body.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
  });
});
