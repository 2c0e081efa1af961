// Path traversal through every path parameter of the app (enumerated from express) and through every
// other place a template or file name comes in (queries, form fields, JSON bodies, include params):
// `../`, `..%2f`, `%2e%2e/`, double-encoded, absolute, backslashes, NUL, overlong UTF-8. Each is refused
// with a 4xx (or, for a web form, sent back to its page), and no answer ever carries a file from
// outside the templates folder — files planted next to it hold a marker that must never come back —
// and nothing is written outside it.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startHostileServer } from '../support/hostile-server.js';
import type { TestServer } from '../support/server.js';
import { rawRequest, type RawResponse } from '../support/raw-http.js';
import { appRoutes, fillPath, type AppRoute } from '../support/routes.js';

const MARKER = `TRAVERSAL-MARKER-${process.pid}-${Date.now()}`;
const PASSWORD = 'traversal-password-123';
let srv: TestServer;
let root: string;
let session = '';
let csrf = '';
let host = { id: '', token: '' };

/** Raw path segments: sent exactly as written, never normalised by the client. */
const TRAVERSALS = [
  '..',
  '.',
  '../secret.njk',
  '../../../../../../etc/passwd',
  '..%2fsecret.njk',
  '..%2F..%2F..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2fsecret.njk',
  '%2e%2e/%2e%2e/secret.njk',
  '.%2e/secret.njk',
  '..%252fsecret.njk',
  '%252e%252e%252fsecret.njk',
  '%2Fetc%2Fpasswd',
  '/etc/passwd',
  '..\\secret.njk',
  '..%5csecret.njk',
  '..%5c..%5c..%5cetc%5cpasswd',
  'secret.njk%00.njk',
  '%00',
  '..%00/secret.njk',
  '%c0%ae%c0%ae/secret.njk',
  '%c0%ae%c0%ae%c0%afsecret.njk',
  '....//....//secret.njk',
  '..;/secret.njk',
  'kickstarts/../../secret.njk',
  '~/secret.njk',
  '%E0%A4%A',
];

/** Valid values for the other parameters, so only the one under attack is wrong. */
function validValues(route: AppRoute): Record<string, string> {
  const v: Record<string, string> = {
    id: host.id,
    name: 'trav-profile',
    version: '1',
    format: 'ipxe',
    file: 'kickstand.css',
    path: 'images/pxeboot/vmlinuz',
  };
  if (route.path.includes('/templates/')) v.name = 'rhel.ks.njk';
  if (route.path.includes('/rules/')) v.name = 'trav-rule';
  if (route.path.includes('/users/')) v.name = 'admin';
  if (route.path.includes('/installers/') || route.path.startsWith('/tree/')) v.name = 'trav-installer';
  return v;
}

function headersFor(route: AppRoute): Record<string, string> {
  if (route.path.startsWith('/api/v1/discovery/')) return { authorization: `Bearer ${host.token}` };
  if (route.path.startsWith('/api/')) return { authorization: `Bearer ${srv.adminToken}` };
  return { cookie: `ks_session=${session}`, accept: 'text/html' };
}

function bodyFor(route: AppRoute): { body?: string; type?: string } {
  if (route.method === 'GET' || route.method === 'DELETE') return {};
  if (route.json)
    return {
      body: JSON.stringify(route.path.includes('/templates/') && route.method === 'PUT' ? { content: `overwritten ${MARKER}\n` } : {}),
      type: 'application/json',
    };
  return {
    body: new URLSearchParams({ _csrf: csrf, content: `overwritten ${MARKER}\n`, name: '../secret.njk' }).toString(),
    type: 'application/x-www-form-urlencoded',
  };
}

const MIRROR = 'http://mirror.example.com/rhel9/os/';

/** Why this answer is a leak or not a refusal, or undefined. */
function problem(res: RawResponse, route?: AppRoute): string | undefined {
  if (res.text.includes(MARKER)) return 'the planted file came back';
  if (/root:.*:0:0:/.test(res.text)) return '/etc/passwd came back';
  if (res.text.includes('"name": "kickstand"')) return 'package.json came back';
  if (res.status >= 400 && res.status < 500) return undefined;
  // A web form sends the browser back to a page (with the error); it must not be a page that saved.
  if (route && !route.path.startsWith('/api/') && res.status === 303 && !String(res.headers.location).includes('saved=')) return undefined;
  // Tree mode redirects what is not the overlay to the installer's mirror: fine while the target
  // stays inside the tree (an odd but harmless file name there, like `..%2f` taken literally).
  if (route?.path.startsWith('/tree/') && res.status === 302) {
    const target = new URL(String(res.headers.location));
    return target.href.startsWith(MIRROR) && !/%5c|%00|\\/i.test(target.pathname) ? undefined : `redirect out of the tree: ${target.href}`;
  }
  return `status ${res.status}`;
}

async function treeListing(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries
      .filter((e) => e.isFile())
      .map(async (e) => {
        const file = path.join(e.parentPath, e.name);
        return `${path.relative(dir, file)} ${(await stat(file)).mtimeMs}`;
      }),
  ).then((l) => l.sort());
}

let before: string[];
beforeAll(async () => {
  srv = await startHostileServer({ env: { KICKSTAND_REGISTER_LIMIT: '0', KICKSTAND_ADMIN_PASSWORD: PASSWORD } });
  root = path.dirname(srv.templatesDir);
  for (const name of ['secret.njk', 'secret.sh', 'secret.json', 'secret.ks.njk']) await writeFile(path.join(root, name), `${MARKER}\n`);
  await writeFile(path.join(srv.templatesDir, 'samples', '..secret.json'), `${MARKER}\n`);
  before = await treeListing(root);

  const admin = { Authorization: `Bearer ${srv.adminToken}` };
  const reg = await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201);
  host = { id: reg.body.id, token: reg.body.token };
  await request(srv.url).post('/api/v1/profiles').set(admin).send({ name: 'trav-profile', action: 'reboot' }).expect(201);
  await request(srv.url)
    .post('/api/v1/rules')
    .set(admin)
    .send({ name: 'trav-rule', expression: 'false', profile: 'trav-profile' })
    .expect(201);
  await request(srv.url)
    .post('/api/v1/installers')
    .set(admin)
    .send({ name: 'trav-installer', family: 'rhel', version: '9.4', repo: 'http://mirror.example.com/rhel9/os' })
    .expect(201);

  const agent = request.agent(srv.url);
  const form = await agent.get('/login');
  const loginCsrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
  const login = await agent
    .post('/login')
    .type('form')
    .send({ _csrf: loginCsrf, name: 'admin', password: PASSWORD, next: '/hosts' })
    .expect(303);
  session = /ks_session=([^;]+)/.exec(([] as string[]).concat(login.headers['set-cookie'] ?? []).join('\n'))![1]!;
  csrf = /name="_csrf" value="([^"]+)"/.exec((await agent.get('/hosts').expect(200)).text)![1]!;
});
afterAll(async () => srv?.stop());

describe('path parameters', () => {
  it('When any path parameter of any route is a traversal, then the answer is a refusal and never a file from outside the templates folder', async () => {
    const routes = appRoutes(srv.running.app).filter((r) => r.params.length > 0);
    expect(routes.length).toBeGreaterThanOrEqual(35);
    const problems: string[] = [];
    let tried = 0;
    for (const route of routes) {
      for (const param of route.params) {
        for (const evil of TRAVERSALS) {
          const values = { ...validValues(route), [param]: evil };
          const { body, type } = bodyFor(route);
          const res = await rawRequest(srv.url, {
            method: route.method,
            path: fillPath(route, values),
            headers: { ...headersFor(route), ...(type ? { 'content-type': type } : {}) },
            ...(body !== undefined ? { body } : {}),
          });
          tried++;
          const p = problem(res, route);
          if (p) problems.push(`${route.key} ${param}=${evil}: ${p} ${res.text.slice(0, 120)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(tried).toBeGreaterThan(1000);
  });

  it("When the valid values are used instead, then the same routes answer (the refusals above are the traversal's doing)", async () => {
    for (const key of [
      'GET /api/v1/templates/*name',
      'GET /api/v1/hosts/:id',
      'GET /boot/:format',
      'GET /static/:file',
      'GET /api/v1/profiles/:name',
    ]) {
      const route = appRoutes(srv.running.app).find((r) => r.key === key)!;
      const res = await rawRequest(srv.url, { method: 'GET', path: fillPath(route, validValues(route)), headers: headersFor(route) });
      expect(res.status, key).toBe(200);
    }
  });

  it('When a template is saved under a traversal name, then nothing outside the templates folder is written and the planted files are untouched', async () => {
    for (const evil of TRAVERSALS) {
      const res = await rawRequest(srv.url, {
        method: 'PUT',
        path: `/api/v1/templates/${evil}`,
        headers: { authorization: `Bearer ${srv.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'owned\n' }),
      });
      expect(res.status, evil).toBeGreaterThanOrEqual(400);
      expect(res.status, evil).toBeLessThan(500);
    }
    const after = (await treeListing(root)).filter((l) => !l.startsWith('kickstarts/') || l.startsWith('kickstarts/samples/..secret'));
    expect(after).toEqual(before.filter((l) => !l.startsWith('kickstarts/') || l.startsWith('kickstarts/samples/..secret')));
    for (const name of ['secret.njk', 'secret.sh', 'secret.json'])
      expect(await readFile(path.join(root, name), 'utf-8')).toBe(`${MARKER}\n`);
  });
});

describe('names in queries, forms and bodies', () => {
  const names = [
    '../secret.njk',
    '../../../../etc/passwd',
    '/etc/passwd',
    '..\\secret.njk',
    'secret.njk\u0000.njk',
    './../secret.njk',
    'snippets/../../secret.njk',
    '%2e%2e/secret.njk',
  ];

  it('When the template editor or history is opened with a traversal name, then 400 and no file content', async () => {
    for (const page of ['/templates/edit', '/templates/history']) {
      for (const name of names) {
        const res = await rawRequest(srv.url, {
          method: 'GET',
          path: `${page}?name=${encodeURIComponent(name)}`,
          headers: { cookie: `ks_session=${session}`, accept: 'text/html' },
        });
        expect(problem(res), `${page} ${name}`).toBeUndefined();
      }
    }
  });

  it('When a web form saves or previews a template under a traversal name, then it is refused and nothing is written', async () => {
    for (const action of ['/templates/save', '/templates/preview']) {
      for (const name of names) {
        const body = new URLSearchParams({
          _csrf: csrf,
          name,
          content: `owned ${MARKER}\n`,
          base_sha256: '',
          target: 'sample:dell-r650',
        }).toString();
        const res = await rawRequest(srv.url, {
          method: 'POST',
          path: action,
          headers: { cookie: `ks_session=${session}`, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
          body,
        });
        // The editor page comes back with the error and the text the author typed: status 400.
        expect(res.status, `${action} ${name}`).toBe(400);
      }
    }
    for (const name of ['secret.njk', 'secret.sh', 'secret.json'])
      expect(await readFile(path.join(root, name), 'utf-8')).toBe(`${MARKER}\n`);
  });

  it('When an assignment, profile, preview or include param names a file outside the templates folder, then 400 and the file never shows', async () => {
    const admin = { authorization: `Bearer ${srv.adminToken}`, 'content-type': 'application/json' };
    const post = (p: string, body: unknown, method = 'POST') =>
      rawRequest(srv.url, { method, path: p, headers: admin, body: JSON.stringify(body) });
    const attempts: [string, () => Promise<RawResponse>][] = [];
    for (const name of [...names, '../secret.ks.njk', 'secret.ks.njk']) {
      attempts.push([
        `assignment template ${name}`,
        () =>
          post(`/api/v1/hosts/${host.id}/assignment`, { action: 'kickstart', template: name, params: { repo: 'http://m.example.com/os' } }),
      ]);
      attempts.push([`profile template ${name}`, () => post('/api/v1/profiles', { name: 'trav-p2', action: 'kickstart', template: name })]);
      attempts.push([`preview sample ${name}`, () => post('/api/v1/templates/rhel.ks.njk/preview', { sample: name })]);
      attempts.push([
        `partitioning ${name}`,
        () =>
          post(`/api/v1/hosts/${host.id}/assignment`, {
            action: 'kickstart',
            template: 'rhel.ks.njk',
            params: { repo: 'http://m.example.com/os', partitioning: name.replace(/\.njk$/, '') },
          }),
      ]);
    }
    for (const [what, attempt] of attempts) {
      const res = await attempt();
      expect(problem(res), what).toBeUndefined();
    }
  });

  it('When a previewed draft includes a file outside the templates folder, then the preview reports "template not found" and shows nothing of it', async () => {
    const admin = { authorization: `Bearer ${srv.adminToken}`, 'content-type': 'application/json' };
    for (const name of [...names, '../secret.ks.njk', path.join(root, 'secret.njk'), `${srv.templatesDir}/../secret.njk`]) {
      const content = `{% include "${name.replace(/["\u0000]/g, '')}" %}\n{% import "${name.replace(/["\u0000]/g, '')}" as x %}`;
      const res = await rawRequest(srv.url, {
        method: 'POST',
        path: '/api/v1/templates/trav.njk/preview',
        headers: admin,
        body: JSON.stringify({ content }),
      });
      expect(res.text, name).not.toContain(MARKER);
      expect(res.status, name).toBe(200);
      const preview = JSON.parse(res.text) as { rendered?: string; findings: { code: string; message: string }[] };
      expect(preview.rendered ?? '', name).toBe('');
      expect(preview.findings[0], name).toMatchObject({ code: 'TEMPLATE_RENDER', message: expect.stringMatching(/template not found/) });
    }
  });
});
