// The OpenAPI document (GET /api/v1/openapi.json) against the app it describes:
// - every route the express app serves is an operation of the document, and every operation a route,
//   read from the app's router stack (test/support/routes.ts), so a route added tomorrow without its
//   documentation fails here tomorrow;
// - the document holds together: references resolve, path parameters are declared, every component
//   compiles with ajv (strict), every error answer is the Error body;
// - it does not lie: the security and role it states are what the routes do, and real answers
//   validate against the response schemas it publishes.
//
// THE EXCLUSION RULE: the web forms are not part of the API contract. A route is a web page exactly
// when webRoutes() (src/web/index.ts) mounts it — the test mounts that router alone and reads its
// routes — and none of those may sit under /api/ or a machine's path. Everything else is documented.
// (The reference page's files under /api/docs/assets/ are a middleware, not routes: the page itself,
// GET /api/docs, is documented.)
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webRoutes } from '../../src/web/index.js';
import { sampleFacts } from '../support/facts.js';
import { documentAjv, docOperations, openApiPath, refsOf, resolvePointer, type Doc, type DocOperation } from '../support/openapi.js';
import { appRoutes, routeKeys } from '../support/routes.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
let doc: Doc;
let webKeys: Set<string>;

beforeAll(async () => {
  srv = await startTestServer();
  // The document as clients get it, not the function that builds it.
  doc = (
    await request(srv.url)
      .get('/api/v1/openapi.json')
      .expect(200)
      .expect('Content-Type', /application\/json/)
  ).body as Doc;
  const web = express();
  web.use(webRoutes(srv.running.deps));
  webKeys = new Set(routeKeys(web));
});
afterAll(async () => srv?.stop());

const admin = (r: request.Test) => r.set('Authorization', `Bearer ${srv.adminToken}`);
const opAt = (method: string, path: string): DocOperation | undefined =>
  docOperations(doc).find((o) => o.method === method.toLowerCase() && o.path === path);

/** The app's routes outside the web forms, in the document's spelling. */
function servedKeys(): string[] {
  return appRoutes(srv.running.app)
    .filter((r) => !webKeys.has(r.key))
    .map((r) => `${r.method} ${openApiPath(r.path)}`);
}

describe('the document covers the app', () => {
  it('When the app’s routes are compared with the document, then every route outside the web forms is an operation and every operation a route', () => {
    const served = servedKeys();
    const documented = docOperations(doc)
      .filter((o) => o.method !== 'head')
      .map((o) => o.key);
    const missing = served.filter((k) => !documented.includes(k)).sort();
    const extra = documented.filter((k) => !served.includes(k)).sort();
    expect({ missing, extra }, 'routes the document lacks (missing) or describes without a route (extra)').toEqual({
      missing: [],
      extra: [],
    });
    // Many enough that the walk above found the routers at all.
    expect(served.length).toBeGreaterThan(60);
  });

  it('When the document lists a HEAD operation, then express answers it with a GET route of that path', () => {
    const served = servedKeys();
    const heads = docOperations(doc).filter((o) => o.method === 'head');
    expect(heads.length).toBeGreaterThan(0);
    for (const h of heads) expect(served, h.key).toContain(`GET ${h.path}`);
  });

  it('When the web forms are excluded, then the rule takes only pages: none under /api/ or a machine’s path, and all of them mounted in the app', () => {
    expect(webKeys.size).toBeGreaterThan(10);
    const app = new Set(routeKeys(srv.running.app));
    for (const key of webKeys) {
      expect(app.has(key), key).toBe(true);
      expect(key.split(' ')[1], key).not.toMatch(/^\/(api\/|ks$|boot\/|images\/|updates\.img$|tree\/|discovery\/|healthz$)/);
    }
  });
});

describe('the document holds together', () => {
  it('When every $ref is followed, then it names something in the document', () => {
    const refs = refsOf(doc);
    expect(refs.length).toBeGreaterThan(50);
    const dangling = refs.filter((r) => resolvePointer(doc, r.ref) === undefined).map((r) => `${r.at} → ${r.ref}`);
    expect(dangling).toEqual([]);
  });

  it('When every component schema is compiled by ajv (strict, JSON Schema 2020-12), then each compiles', () => {
    const { schema } = documentAjv(doc);
    const names = Object.keys(doc.components.schemas);
    expect(names).toEqual(expect.arrayContaining(['Error', 'Facts', 'Host', 'HostDetail', 'Profile', 'Rule', 'Registration']));
    for (const name of names) expect(() => schema(name), name).not.toThrow();
  });

  it('When the operations are read, then each declares its path parameters, summary, tag, security, a success answer and the Error body for its errors', () => {
    const tags = new Set(doc.tags.map((t) => t.name));
    const schemes = new Set(Object.keys(doc.components.securitySchemes));
    const ids = new Set<string>();
    for (const { key, path, item, op } of docOperations(doc)) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = [...(item.parameters ?? []), ...(op.parameters ?? [])].filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name).sort(), `${key}: path parameters`).toEqual([...inPath].sort());
      for (const p of declared) expect(p.required, `${key}: ${p.name} is required`).toBe(true);
      expect(op.summary, key).toMatch(/\S/);
      expect(ids.has(op.operationId), `${key}: operationId ${op.operationId} is unique`).toBe(false);
      ids.add(op.operationId);
      expect(op.tags.length, key).toBeGreaterThan(0);
      for (const t of op.tags) expect(tags.has(t), `${key}: tag ${t} is declared`).toBe(true);
      expect(Array.isArray(op.security), `${key}: security is said, even when open ([])`).toBe(true);
      for (const s of op.security) for (const name of Object.keys(s)) expect(schemes.has(name), `${key}: scheme ${name}`).toBe(true);
      const statuses = Object.keys(op.responses).map(Number);
      expect(
        statuses.some((s) => s < 400),
        `${key}: a success answer`,
      ).toBe(true);
      if (op.security.some((s) => 'bearer' in s || 'hostToken' in s)) expect(statuses, `${key}: 401 without a token`).toContain(401);
      if (op.requestBody?.content['application/json']) expect(statuses, `${key}: a JSON body can be too large`).toContain(413);
      // Every error of the API (and of the machines' JSON routes) is the one Error body.
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400 || !response.content) continue;
        expect(response.content['application/json']?.schema, `${key} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
  });
});

describe('the document does not lie', () => {
  it('When each operation is called without a token, then those it secures answer 401 with the Error body and the open ones do not', async () => {
    const { schema } = documentAjv(doc);
    const isError = schema('Error');
    for (const { key, method, path, op } of docOperations(doc)) {
      // An empty JSON object where a body is taken: the install callback reads it before the token.
      const r = request(srv.url)[method as 'get'](samplePath(path));
      const res = op.requestBody ? await r.send({}) : await r;
      if (op.security.length > 0) {
        expect(res.status, key).toBe(401);
        if (method !== 'head') expect(isError(res.body), `${key}: ${JSON.stringify(res.body)}`).toBe(true);
      } else expect(res.status, key).not.toBe(401);
    }
  });

  it('When a viewer calls each admin operation, then exactly those whose permission is more than read answer 403', async () => {
    await admin(request(srv.url).post('/api/v1/users'))
      .send({ name: 'doc-viewer', role: 'viewer', password: 'doc-viewer-password' })
      .expect(201);
    const { token } = (await admin(request(srv.url).post('/api/v1/users/doc-viewer/tokens')).send({ name: 'doc' }).expect(201)).body as {
      token: string;
    };
    const ops = docOperations(doc).filter((o) => o.op['x-kickstand-permission'] !== undefined);
    expect(ops.length).toBeGreaterThan(40);
    for (const { key, method, path, op } of ops) {
      // No body: a route that needs one refuses it after the role check, and nothing is changed.
      const res = await request(srv.url)[method as 'get'](samplePath(path)).set('Authorization', `Bearer ${token}`);
      const needsMore = !['read', 'signed-in'].includes(op['x-kickstand-permission']!);
      if (needsMore) expect(res.status, key).toBe(403);
      else expect([401, 403], `${key} answered ${res.status}`).not.toContain(res.status);
    }
  });

  it('When real answers are checked against the document, then each status is documented and each JSON body validates', async () => {
    const { check } = documentAjv(doc);
    const checked: string[] = [];
    /** Sends the request, then checks the answer against the operation at `path`. */
    const expectDocumented = async (method: string, path: string, url: string, body?: object, auth = true) => {
      let r = request(srv.url)[method.toLowerCase() as 'get'](url);
      if (auth) r = admin(r);
      const res = body ? await r.send(body) : await r;
      const found = opAt(method, path);
      expect(found, `${method} ${path} is documented`).toBeDefined();
      // A body the service took must be one the document accepts.
      const requestSchema = found!.op.requestBody?.content['application/json']?.schema;
      if (body && requestSchema && res.status < 300) {
        const accepts = check(requestSchema);
        expect(accepts(body), `${method} ${path} took a body its schema refuses: ${JSON.stringify(accepts.errors)}`).toBe(true);
      }
      const response = found!.op.responses[String(res.status)];
      expect(
        response,
        `${method} ${url} answered ${res.status}, which ${method} ${path} does not list: ${res.text.slice(0, 300)}`,
      ).toBeDefined();
      const schema = response!.content?.['application/json']?.schema;
      if (schema) {
        expect(res.headers['content-type'], `${method} ${url}`).toMatch(/^application\/json/);
        const validate = check(schema);
        expect(validate(res.body), `${method} ${url} ${res.status}: ${JSON.stringify(validate.errors)}\n${res.text.slice(0, 500)}`).toBe(
          true,
        );
      } else if (response!.content) {
        const type = Object.keys(response!.content)[0]!;
        expect(res.headers['content-type'], `${method} ${url}`).toContain(type);
      }
      checked.push(`${method} ${path} ${res.status}`);
      return res;
    };

    const reg = (await expectDocumented('POST', '/api/v1/discovery', '/api/v1/discovery', sampleFacts(), false)).body as {
      id: string;
      token: string;
    };
    const asHost = { Authorization: `Bearer ${reg.token}` };
    const poll = await request(srv.url).get(`/api/v1/discovery/${reg.id}/next`).set(asHost);
    expect(Object.keys(opAt('GET', '/api/v1/discovery/{id}/next')!.op.responses)).toContain(String(poll.status));
    const early = await request(srv.url).post(`/api/v1/discovery/${reg.id}/events`).set(asHost).send({ stage: 'installed' });
    expect(early.status, early.text).toBe(409);
    expect(documentAjv(doc).schema('Error')(early.body)).toBe(true);
    await expectDocumented('GET', '/api/v1/hosts', '/api/v1/hosts');
    await expectDocumented('GET', '/api/v1/hosts/{id}', `/api/v1/hosts/${reg.id}`);
    await expectDocumented('GET', '/api/v1/hosts/{id}', '/api/v1/hosts/no-such-host');
    await expectDocumented('GET', '/api/v1/hosts', '/api/v1/hosts', undefined, false);
    await expectDocumented('GET', '/api/v1/hosts', '/api/v1/hosts?limit=1&sort=memory&dir=desc&q=02');
    await expectDocumented('GET', '/api/v1/hosts', `/api/v1/hosts?where=${encodeURIComponent('memory_mib >= 1 and nics > 1')}`);
    await expectDocumented('GET', '/api/v1/hosts', '/api/v1/hosts?limit=0');

    const profile = {
      name: 'doc-el9',
      action: 'kickstart',
      template: 'rhel.ks.njk',
      params: { repo: 'http://127.0.0.1:1/el9', version: '9', root_password_hash: '$6$abc$xyz' },
    };
    await expectDocumented('POST', '/api/v1/profiles', '/api/v1/profiles', profile);
    await expectDocumented('POST', '/api/v1/profiles', '/api/v1/profiles', profile);
    await expectDocumented('GET', '/api/v1/profiles', '/api/v1/profiles');
    await expectDocumented('GET', '/api/v1/profiles/{name}', '/api/v1/profiles/doc-el9');

    const rule = { name: 'doc-all', expression: 'memory_mib > 0', profile: 'doc-el9', hostname_pattern: 'node-{{ seq() }}' };
    await expectDocumented('POST', '/api/v1/rules', '/api/v1/rules', rule);
    await expectDocumented('GET', '/api/v1/rules', '/api/v1/rules');
    await expectDocumented('GET', '/api/v1/rules/{name}', '/api/v1/rules/doc-all');
    const { name: _rule, ...unnamedRule } = rule;
    await expectDocumented('PUT', '/api/v1/rules/{name}', '/api/v1/rules/doc-all', unnamedRule);
    const { name: _profile, ...unnamedProfile } = profile;
    await expectDocumented('PUT', '/api/v1/profiles/{name}', '/api/v1/profiles/doc-el9', unnamedProfile);
    await expectDocumented('POST', '/api/v1/rules/preview', '/api/v1/rules/preview', { rule: 'doc-all', host: reg.id });
    await expectDocumented('POST', '/api/v1/rules/preview', '/api/v1/rules/preview', { rule: { expression: 'memory_mib >' } });
    await expectDocumented('POST', '/api/v1/hosts/{id}/auto-assign', `/api/v1/hosts/${reg.id}/auto-assign`);
    await expectDocumented('GET', '/api/v1/hosts/{id}', `/api/v1/hosts/${reg.id}`);
    await expectDocumented('POST', '/api/v1/hosts/auto-assign', '/api/v1/hosts/auto-assign');
    await expectDocumented('GET', '/api/v1/hosts/{id}/kickstart', `/api/v1/hosts/${reg.id}/kickstart`);
    await expectDocumented('POST', '/api/v1/hosts/{id}/reprovision', `/api/v1/hosts/${reg.id}/reprovision`);
    await expectDocumented('POST', '/api/v1/hosts/{id}/reset', `/api/v1/hosts/${reg.id}/reset`);
    await expectDocumented('POST', '/api/v1/hosts/{id}/boot-key', `/api/v1/hosts/${reg.id}/boot-key`);
    await expectDocumented('GET', '/api/v1/hosts/{id}/boot-entries', `/api/v1/hosts/${reg.id}/boot-entries`);
    await expectDocumented('DELETE', '/api/v1/profiles/{name}', '/api/v1/profiles/doc-el9');
    await expectDocumented('DELETE', '/api/v1/profiles/{name}', '/api/v1/profiles/doc-el9?force=true');
    await expectDocumented('DELETE', '/api/v1/hosts/{id}', `/api/v1/hosts/${reg.id}`);

    // A webhook to a closed port on this host: the ping answers a failed attempt, nothing leaves it.
    const hook = { name: 'doc-hook', url: 'http://127.0.0.1:9/hook', events: ['failed', 'lost'] };
    await expectDocumented('POST', '/api/v1/webhooks', '/api/v1/webhooks', hook);
    await expectDocumented('POST', '/api/v1/webhooks', '/api/v1/webhooks', hook);
    await expectDocumented('POST', '/api/v1/webhooks', '/api/v1/webhooks', { ...hook, name: 'doc-bad', url: 'file:///etc/passwd' });
    await expectDocumented('GET', '/api/v1/webhooks', '/api/v1/webhooks');
    await expectDocumented('GET', '/api/v1/webhooks/{name}', '/api/v1/webhooks/doc-hook');
    await expectDocumented('PUT', '/api/v1/webhooks/{name}', '/api/v1/webhooks/doc-hook', { url: hook.url, events: 'all', enabled: false });
    await expectDocumented('POST', '/api/v1/webhooks/{name}/test', '/api/v1/webhooks/doc-hook/test');
    await expectDocumented('GET', '/api/v1/webhooks/{name}/deliveries', '/api/v1/webhooks/doc-hook/deliveries');
    await expectDocumented('DELETE', '/api/v1/webhooks/{name}', '/api/v1/webhooks/doc-hook');
    await expectDocumented('GET', '/api/v1/webhooks/{name}', '/api/v1/webhooks/doc-hook');

    await expectDocumented('GET', '/api/v1/settings', '/api/v1/settings');
    await expectDocumented('GET', '/api/v1/audit', '/api/v1/audit?limit=5');
    await expectDocumented('GET', '/api/v1/audit', '/api/v1/audit?limit=0');
    await expectDocumented('GET', '/api/v1/templates', '/api/v1/templates');
    await expectDocumented('GET', '/api/v1/templates/{name}', '/api/v1/templates/rhel.ks.njk');
    await expectDocumented('GET', '/api/v1/installers', '/api/v1/installers');
    await expectDocumented('GET', '/api/v1/users', '/api/v1/users');
    await expectDocumented('POST', '/api/v1/users', '/api/v1/users', { name: 'doc-author', role: 'author' });
    await expectDocumented('PATCH', '/api/v1/users/{name}', '/api/v1/users/doc-author', { role: 'nobody' });
    await expectDocumented('POST', '/api/v1/users/{name}/tokens', '/api/v1/users/doc-author/tokens', { name: 'ci' });
    await expectDocumented('POST', '/api/v1/users/{name}/password', '/api/v1/users/doc-author/password', {});
    await expectDocumented('DELETE', '/api/v1/users/{name}', '/api/v1/users/doc-author');
    await expectDocumented('DELETE', '/api/v1/me/tokens/{id}', '/api/v1/me/tokens/nosuch');
    const installer = { name: 'doc-el9', family: 'rhel', version: '9.4', repo: 'http://127.0.0.1:1/el9' };
    await expectDocumented('POST', '/api/v1/installers', '/api/v1/installers', installer);
    await expectDocumented('GET', '/api/v1/installers/{name}', '/api/v1/installers/doc-el9');
    await expectDocumented('PUT', '/api/v1/installers/{name}', '/api/v1/installers/doc-el9', { ...installer, name: 'other' });
    const { name: _installer, ...unnamedInstaller } = installer;
    await expectDocumented('PUT', '/api/v1/installers/{name}', '/api/v1/installers/doc-el9', unnamedInstaller);
    await expectDocumented('DELETE', '/api/v1/installers/{name}', '/api/v1/installers/doc-el9');
    await expectDocumented('GET', '/api/v1/me', '/api/v1/me');
    await expectDocumented('GET', '/healthz', '/healthz', undefined, false);
    await expectDocumented('GET', '/ks', '/ks', undefined, false);
    await expectDocumented('GET', '/boot/{format}', '/boot/ipxe', undefined, false);
    await expectDocumented('GET', '/boot/{format}', '/boot/nosuch', undefined, false);
    expect(checked).toHaveLength(63);
  });
});

/** An OpenAPI path with sample values: `{id}` and names by `x1`, a template name by `x1.njk`, a
 *  boot format by one that exists. */
function samplePath(path: string): string {
  return path
    .replace('/boot/{format}', '/boot/ipxe')
    .replace('/discovery/boot/{format}', '/discovery/boot/ipxe')
    .replace(/\/templates\/\{name\}/, '/templates/x1.njk')
    .replace(/\{[A-Za-z_]+\}/g, 'x1');
}
