// Cache-Control: no-store on every answer that carries a kickstart or a secret: the poll answer (the
// fast path and express alone), the kickstart preview, the registration answer (the host token), token
// and password answers, the stub and the pages (CSRF tokens). Express makes it every answer's default;
// the few answers worth caching (static files) say so themselves.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser } from '../support/sessions.js';

let srv: TestServer;
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
});
afterAll(async () => srv.stop());

describe('no-store', () => {
  it('When answers carry a kickstart, a token or a password, then each says Cache-Control: no-store (fast path and express alone)', async () => {
    const answers: [string, request.Response][] = [];
    const reg = await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201);
    answers.push(['registration', reg]);
    const { id, token } = reg.body as { id: string; token: string };
    const template = (await request(srv.url).get('/api/v1/templates').set(admin()).expect(200)).body.templates
      .map((t: { name: string }) => t.name)
      .find((n: string) => n.endsWith('.ks.njk') && n !== 'stub.ks.njk') as string;
    answers.push([
      'assignment',
      await request(srv.url)
        .post(`/api/v1/hosts/${id}/assignment`)
        .set(admin())
        .send({ action: 'kickstart', template, params: { root_password: 'x-Root-pass-1', repo: 'http://m/', version: '9.4' } }),
    ]);
    answers.push(['kickstart preview', await request(srv.url).get(`/api/v1/hosts/${id}/kickstart`).set(admin())]);
    answers.push([
      'poll through express alone',
      await request(srv.running.app).get(`/api/v1/discovery/${id}/next`).set('Authorization', `Bearer ${token}`),
    ]);
    answers.push([
      'poll through the fast path',
      await request(srv.url).get(`/api/v1/discovery/${id}/next`).set('Authorization', `Bearer ${token}`),
    ]);
    answers.push([
      'template preview',
      await request(srv.url).post(`/api/v1/templates/${template}/preview`).set(admin()).send({ host: id }),
    ]);
    await createUser(srv, 'tom', 'operator', 'tom-Secret-pass-1');
    answers.push(['API token', await request(srv.url).post('/api/v1/users/tom/tokens').set(admin()).send({ name: 'ci' })]);
    answers.push(['generated password', await request(srv.url).post('/api/v1/users').set(admin()).send({ name: 'ann', role: 'viewer' })]);
    answers.push(['stub', await request(srv.url).get('/ks')]);
    answers.push(['login page', await request(srv.url).get('/login')]);
    for (const [what, res] of answers) {
      expect(res.status, what).toBeLessThan(300);
      expect(res.headers['cache-control'], what).toBe('no-store');
    }
    expect(answers.filter(([w]) => w.startsWith('poll')).map(([, r]) => r.headers['x-kickstand-action'])).toEqual([
      'kickstart',
      'kickstart',
    ]);
  });
});
