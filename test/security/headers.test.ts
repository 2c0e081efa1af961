// Security headers on every response — every route of the app, the fast poll path, 404s, 401s, 413s,
// Node's own parse-error answers and a forced internal error — and no error body that shows a stack.
import net from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/http/security-headers.js';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { routeKeys, samplePath } from '../support/routes.js';
import { createUser, registerMachine, webLogin, type Registered } from '../support/sessions.js';

const EXPECTED: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** A stack frame ("at fn (file:line:col)"), a source path or a Node internal: never in a body. */
const STACKY = /\n\s+at\s|\bat\s+\S+\s+\(|\bat\s+(?:file:|node:|\/)|\.[cm]?[jt]s:\d+|\/src\/|\/work\/|node_modules|file:\/\/|node:internal/;

let srv: TestServer;
let web: Awaited<ReturnType<typeof webLogin>>;
let host: Registered;
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });
const seen = new Map<number, number>();

function expectHeaders(res: { status: number; headers: Record<string, unknown> }, what: string): void {
  for (const [name, value] of Object.entries(EXPECTED)) expect(res.headers[name], `${what} (${res.status}): ${name}`).toBe(value);
  expect(res.headers['x-powered-by'], what).toBeUndefined();
  seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
}

function expectNoStack(res: { status: number; text?: string }, what: string): void {
  if (res.status >= 400) expect(res.text ?? '', `${what} (${res.status})`).not.toMatch(STACKY);
}

/** Raw bytes to the server, the whole answer back (for requests Node refuses before any handler). */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(srv.port, '127.0.0.1', () => socket.write(bytes));
    let out = '';
    socket.on('data', (b) => (out += b.toString('latin1')));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer')));
  });
}

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  await createUser(srv, 'alice', 'admin', 'alice-password-123');
  web = await webLogin(srv, 'alice', 'alice-password-123');
  host = await registerMachine(srv.url);
});
afterAll(async () => srv.stop());

describe('security headers', () => {
  it('When the policy is built, then it is exactly the documented CSP', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(EXPECTED['content-security-policy']);
  });

  it('When every route is called without credentials, with the admin token and with a session, then every answer has the headers and no error shows a stack', async () => {
    const routes = routeKeys(srv.running.app);
    expect(routes.length).toBeGreaterThan(60);
    // Reads first, so the host is still there for them; the deletes come last.
    const order = (r: string) => (r.startsWith('GET ') ? 0 : r.startsWith('DELETE ') ? 2 : 1);
    for (const route of [...routes].sort((a, b) => order(a) - order(b))) {
      const [method, p] = route.split(' ') as [string, string];
      const url = samplePath(p, host.id);
      const call = (agent: request.SuperTest | request.Agent) =>
        (agent as unknown as Record<string, (u: string) => request.Test>)[method.toLowerCase()]!(url);
      const answers = [await call(request(srv.url)), await call(request(srv.url)).set(admin())];
      // With the session: GETs as a browser; forms posted with the right CSRF token (logout last).
      if (method === 'GET') answers.push(await call(web.agent).set('Accept', 'text/html'));
      else if (p !== '/logout') answers.push(await call(web.agent).type('form').set('Accept', 'text/html').send({ _csrf: web.csrf }));
      for (const res of answers) {
        expectHeaders(res, route);
        expectNoStack(res, route);
      }
    }
    const logout = await web.agent.post('/logout').type('form').send({ _csrf: web.csrf });
    expect(logout.status).toBe(303);
    expectHeaders(logout, 'POST /logout');
    // The walk may have deleted the host and ended the session: fresh ones for the tests below.
    web = await webLogin(srv, 'alice', 'alice-password-123');
    host = await registerMachine(srv.url);
  });

  it('When the express app is called directly (no node:http wrapper), then it sets the headers itself', async () => {
    for (const url of ['/ks', '/login', '/api/v1/hosts', '/nowhere', `/api/v1/discovery/${host.id}/next`])
      expectHeaders(await request(srv.running.app).get(url), `app ${url}`);
  });

  it('When a machine polls on the fast path (wait, answer, wrong token, unknown host), then every answer has the headers', async () => {
    const poll = (id: string, token?: string) => {
      const r = request(srv.url).get(`/api/v1/discovery/${id}/next`);
      return token ? r.set('Authorization', `Bearer ${token}`) : r;
    };
    const reg = await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201);
    expectHeaders(reg, 'registration');
    const other = reg.body as Registered;
    expectHeaders(await poll(other.id, other.token).expect(202), 'fast poll 202');
    expectHeaders(await poll(other.id, 'A'.repeat(22)).expect(401), 'fast poll wrong token');
    expectHeaders(await poll(other.id).expect(401), 'fast poll no token');
    expectHeaders(await poll('nosuchhost12', other.token).expect(401), 'fast poll unknown host');
    await request(srv.url)
      .post(`/api/v1/hosts/${other.id}/assignment`)
      .set(admin())
      .send({ action: 'kickstart', template: 'plain.ks.njk' })
      .expect(200);
    const answer = await poll(other.id, other.token).expect(200);
    expect(answer.headers['x-kickstand-action']).toBe('kickstart');
    expectHeaders(answer, 'fast poll kickstart');
    expectHeaders(await request(srv.url).delete(`/api/v1/hosts/${other.id}`).set(admin()).expect(204), 'host deleted');
    expectHeaders(await poll(other.id, other.token).expect(401), 'fast poll of a deleted host');
  });

  it('When requests are refused (404, 401, 403, 413, 415, 400) or odd (HEAD, OPTIONS), then the refusals have the headers', async () => {
    const big = JSON.stringify({ x: 'y'.repeat(400 * 1024) });
    const cases: [string, request.Test, number | undefined][] = [
      ['unknown API path', request(srv.url).get('/api/v1/nowhere'), 404],
      ['unknown page', request(srv.url).get('/nowhere').set('Accept', 'text/html'), 404],
      ['no admin token', request(srv.url).get('/api/v1/hosts'), 401],
      ['wrong admin token', request(srv.url).get('/api/v1/hosts').set('Authorization', 'Bearer wrong-wrong-wrong-wrong'), 401],
      ['form without CSRF', web.agent.post('/hosts/bulk').type('form').send({}), 403],
      ['registration too large', request(srv.url).post('/api/v1/discovery').set('Content-Type', 'application/json').send(big), 413],
      ['admin body too large', request(srv.url).post('/api/v1/users').set(admin()).set('Content-Type', 'application/json').send(big), 413],
      ['not JSON', request(srv.url).post('/api/v1/discovery').set('Content-Type', 'text/plain').send('hello'), 415],
      ['malformed JSON', request(srv.url).post('/api/v1/discovery').set('Content-Type', 'application/json').send('{"boot_mac": '), 400],
      ['HEAD of the stub', request(srv.url).head('/ks'), 200],
      ['OPTIONS', request(srv.url).options('/api/v1/hosts'), undefined],
    ];
    for (const [what, req, status] of cases) {
      const res = await req;
      if (status !== undefined) expect(res.status, what).toBe(status);
      expectHeaders(res, what);
      expectNoStack(res, what);
    }
  });

  it('When Node itself refuses a request it cannot parse (400, 431), then its answer has the headers too', async () => {
    for (const [bytes, status] of [
      ['NOT HTTP AT ALL\r\n\r\n', 400],
      [`GET /ks HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`, 431],
    ] as const) {
      const answer = await raw(bytes);
      expect(answer.split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Request Header Fields Too Large'}`);
      const head = answer.slice(0, answer.indexOf('\r\n\r\n')).toLowerCase();
      for (const [name, value] of Object.entries(EXPECTED)) expect(head, `${status}: ${name}`).toContain(`${name}: ${value.toLowerCase()}`);
    }
    // The service is still fine afterwards.
    await request(srv.url).get('/ks').expect(200);
  });

  it('When a handler fails with a bug, then the 500 (JSON, HTML page and fast path) has the headers and no stack, message or path', async () => {
    const store = srv.running.deps.store.hosts as unknown as Record<string, unknown>;
    const bug = () => {
      throw new Error(`boom in ${path.resolve('src/store/file/lowdb-store.ts')}:42`);
    };
    const saved = { list: store.list, get: store.get, peek: store.peek };
    store.list = bug;
    store.get = bug;
    store.peek = bug;
    try {
      const responses = [
        await request(srv.url).get('/api/v1/hosts').set(admin()),
        await web.agent.get('/hosts').set('Accept', 'text/html'),
        await request(srv.url).get(`/api/v1/discovery/${host.id}/next`).set('Authorization', `Bearer ${host.token}`),
        await request(srv.running.app).get(`/api/v1/discovery/${host.id}/next`).set('Authorization', `Bearer ${host.token}`),
      ];
      for (const res of responses) {
        expect(res.status).toBe(500);
        expectHeaders(res, 'internal error');
        expectNoStack(res, 'internal error');
        expect(res.text).not.toContain('boom');
      }
      expect(responses[0]!.body).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
      expect(responses[1]!.headers['content-type']).toMatch(/^text\/html/);
    } finally {
      Object.assign(store, saved);
    }
    // The bug was logged, with its stack, for the operator: that is where a stack belongs.
    expect(srv.logs.some((l) => l.msg === 'unexpected error' && JSON.stringify(l).includes('boom'))).toBe(true);
  });

  it('When every status seen so far is counted, then the suite covered successes, redirects, refusals and errors', () => {
    for (const status of [200, 201, 202, 204, 303, 400, 401, 403, 404, 413, 415, 500])
      expect(seen.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
  });
});

describe('pages under the CSP', () => {
  it('When every page is rendered, then none has an inline script, inline style, style attribute or event handler', async () => {
    const pages = routeKeys(srv.running.app).filter((r) => r.startsWith('GET ') && !r.includes(' /api/'));
    let html = 0;
    for (const route of pages) {
      const res = await web.agent.get(samplePath(route.slice(4), host.id)).set('Accept', 'text/html');
      if (!String(res.headers['content-type']).startsWith('text/html')) continue;
      html++;
      expect(res.text, route).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
      expect(res.text, route).not.toMatch(/<style\b/i);
      expect(res.text, route).not.toMatch(/\sstyle\s*=/i);
      expect(res.text, route).not.toMatch(/\son[a-z]+\s*=/i);
      expect(res.text, route).not.toMatch(/(?:href|src|action)\s*=\s*["']?\s*javascript:/i);
    }
    expect(html).toBeGreaterThan(8);
  });
});
