// Issue 17, errors that point at the cause, through the API and the web forms: the template preview
// for a waiting host (its would-be hostname, or the one typed), the host picker's search, what an
// author may see of a host's secrets in a preview, and the warnings a profile save gives.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { createUser, registerMachine, webLogin, type Registered } from '../support/sessions.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'preview-warnings-password';
const SECRET = 'api-key-never-for-authors';
let srv: TestServer;
let dir: string;
let waiting: Registered;
let assigned: Registered;
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-preview-'));
  await cp(path.resolve('kickstarts'), dir, { recursive: true });
  srv = await startTestServer({ templatesDir: dir });
  await createUser(srv, 'author', 'author', PASSWORD);
  await createUser(srv, 'viewer', 'viewer', PASSWORD);
  waiting = await registerMachine(srv.url, sampleFacts({ boot_mac: '52:54:00:17:03:01' }));
  assigned = await registerMachine(srv.url, sampleFacts({ boot_mac: '52:54:00:17:03:02' }));
  await request(srv.url)
    .post(`/api/v1/hosts/${assigned.id}/assignment`)
    .set(admin())
    .send({
      action: 'kickstart',
      template: 'rhel.ks.njk',
      hostname: 'sec.example.com',
      params: { repo: 'http://r/', version: '9', api_key: SECRET },
    })
    .expect(200);
});
afterAll(async () => {
  await srv.stop();
  await rm(dir, { recursive: true, force: true });
});

const params = { repo: 'http://127.0.0.1:1/el9', version: '9' };
const WOULD_BE = 'host-5254001703' + '01';

describe('template preview for a waiting host', () => {
  it('When the API previews a host that has no hostname yet, then it renders with the hostname assignment would give it', async () => {
    const res = await request(srv.url)
      .post('/api/v1/templates/rhel.ks.njk/preview')
      .set(admin())
      .send({ host: waiting.id, params })
      .expect(200);
    expect(res.body.findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([]);
    expect(res.body.rendered).toContain(`--hostname=${WOULD_BE}`);
    expect(res.body.target).toBe(`host ${waiting.id}, as ${WOULD_BE}`);
  });

  it('When a hostname is given, then it is used; when it is not a hostname, then the field is named', async () => {
    const res = await request(srv.url)
      .post('/api/v1/templates/rhel.ks.njk/preview')
      .set(admin())
      .send({ host: '52-54-00-17-03-01', hostname: 'db-042.example.com', params })
      .expect(200);
    expect(res.body.rendered).toContain('--hostname=db-042.example.com');
    const bad = await request(srv.url)
      .post('/api/v1/templates/rhel.ks.njk/preview')
      .set(admin())
      .send({ host: waiting.id, hostname: 'not a name', params });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION', field: 'hostname' });
  });

  it('When a rule would take the waiting host, then the preview uses the hostname its pattern gives next, and takes no number', async () => {
    const ruled = await registerMachine(srv.url, sampleFacts({ boot_mac: '52:54:00:17:05:01' }));
    await request(srv.url)
      .post('/api/v1/profiles')
      .set(admin())
      .send({ name: 'el9', action: 'kickstart', template: 'rhel.ks.njk', params })
      .expect(201);
    await request(srv.url)
      .post('/api/v1/rules')
      .set(admin())
      .send({
        name: 'db',
        expression: 'boot_mac like "52:54:00:17:05:*"',
        profile: 'el9',
        hostname_pattern: 'db-{{ seq(3) }}',
        priority: 10,
      })
      .expect(201);
    for (let i = 0; i < 2; i++) {
      const res = await request(srv.url)
        .post('/api/v1/templates/rhel.ks.njk/preview')
        .set(admin())
        .send({ host: ruled.id, params })
        .expect(200);
      expect(res.body.rendered).toContain('--hostname=db-001');
    }
    expect((await request(srv.url).get('/api/v1/rules/db').set(admin()).expect(200)).body.sequence).toBe(0);
  });

  it('When an author previews through the web form, with and without the hostname field, then both render for the waiting host', async () => {
    const { agent, csrf } = await webLogin(srv, 'author', PASSWORD);
    const content = (await request(srv.url).get('/api/v1/templates/rhel.ks.njk').set(admin()).expect(200)).body.content as string;
    const form = { _csrf: csrf, name: 'rhel.ks.njk', content, host: waiting.id, params: JSON.stringify(params) };
    const plain = await agent.post('/templates/preview').type('form').send(form).expect(200);
    expect(plain.text).toContain(`--hostname=${WOULD_BE}`);
    const named = await agent
      .post('/templates/preview')
      .type('form')
      .send({ ...form, hostname: 'web-7.example.com' })
      .expect(200);
    expect(named.text).toContain('--hostname=web-7.example.com');
    const missing = await agent
      .post('/templates/preview')
      .type('form')
      .send({ ...form, host: 'no-such-host' });
    expect(missing.status).toBe(404);
    expect(missing.text).toMatch(/id="error-host">[^<]*no-such-host/);
  });

  it('When an author previews an assigned host, then its secret params render masked; an operator-level caller sees them opened', async () => {
    const tpl = 'text\nkey={{ params.api_key }}\n{{ params.repo }}\n';
    const { agent, csrf } = await webLogin(srv, 'author', PASSWORD);
    const page = await agent
      .post('/templates/preview')
      .type('form')
      .send({ _csrf: csrf, name: 'rhel.ks.njk', content: tpl, host: assigned.id })
      .expect(200);
    expect(page.text).not.toContain(SECRET);
    expect(page.text).toContain('key=***');
    const token = (await request(srv.url).post('/api/v1/users/author/tokens').set(admin()).send({ name: 'preview' }).expect(201)).body as {
      token: string;
    };
    const api = await request(srv.url)
      .post('/api/v1/templates/rhel.ks.njk/preview')
      .set('Authorization', `Bearer ${token.token}`)
      .send({ content: tpl, host: assigned.id })
      .expect(200);
    expect(api.text).not.toContain(SECRET);
    expect(api.body.rendered).toContain('key=***');
    const asAdmin = await request(srv.url)
      .post('/api/v1/templates/rhel.ks.njk/preview')
      .set(admin())
      .send({ content: tpl, host: assigned.id })
      .expect(200);
    expect(asAdmin.body.rendered).toContain(`key=${SECRET}`);
  });
});

describe('host picker search', () => {
  it('When a signed-in reader searches, then at most 20 matches come back as JSON, found by hostname, id or MAC in any spelling', async () => {
    for (let i = 0; i < 22; i++) await registerMachine(srv.url, sampleFacts({ boot_mac: `52:54:00:17:04:${String(i).padStart(2, '0')}` }));
    const { agent } = await webLogin(srv, 'viewer', PASSWORD);
    const many = await agent.get('/templates/hosts.json?q=52:54:00:17:04').expect(200);
    expect(many.headers['content-type']).toMatch(/json/);
    expect(many.body.hosts).toHaveLength(20);
    const one = await agent.get('/templates/hosts.json?q=52-54-00-17-03-02').expect(200);
    expect(one.body.hosts.map((h: { id: string }) => h.id)).toEqual([assigned.id]);
    expect(Object.keys(one.body.hosts[0]).sort()).toEqual(['boot_mac', 'hostname', 'id', 'state']);
    const byName = await agent.get('/templates/hosts.json?q=SEC.example').expect(200);
    expect(byName.body.hosts.map((h: { hostname: string }) => h.hostname)).toEqual(['sec.example.com']);
  });

  it('When nobody is signed in, then the search answers nothing about hosts', async () => {
    const res = await request(srv.url).get('/templates/hosts.json?q=52');
    expect([302, 303, 401]).toContain(res.status);
    expect(res.text).not.toContain('52:54:00');
  });
});

describe('profile save warnings', () => {
  it('When the API saves a profile whose template needs params it lacks, then it is saved and every missing param is a warning', async () => {
    const res = await request(srv.url)
      .post('/api/v1/profiles')
      .set(admin())
      .send({ name: 'bare', action: 'kickstart', template: 'rhel.ks.njk', params: {} })
      .expect(201);
    expect(res.body.warnings).toEqual(['rhel.ks.njk needs params.repo (line 9)']);
    const ip = await request(srv.url)
      .put('/api/v1/profiles/bare')
      .set(admin())
      .send({ name: 'bare', action: 'kickstart', template: 'rhel.ks.njk', params: { ip: '10.0.0.5' } })
      .expect(200);
    // Every one, the snippet named with the template that includes it.
    expect(ip.body.warnings).toEqual([
      'rhel.ks.njk needs params.repo (line 9)',
      'snippets/network.njk (included from rhel.ks.njk) needs params.netmask (line 3)',
    ]);
    const full = await request(srv.url)
      .put('/api/v1/profiles/bare')
      .set(admin())
      .send({ name: 'bare', action: 'kickstart', template: 'rhel.ks.njk', params })
      .expect(200);
    expect(full.body.warnings).toEqual([]);
  });

  it('When the web form saves such a profile, then the page after the save lists the warnings', async () => {
    await createUser(srv, 'op', 'operator', PASSWORD);
    const { agent, csrf } = await webLogin(srv, 'op', PASSWORD);
    const res = await agent
      .post('/profiles')
      .type('form')
      .send({ _csrf: csrf, name: 'webbare', action: 'kickstart', template: 'fedora.ks.njk', params: '{}' })
      .expect(303);
    expect(res.headers.location).toBe('/profiles/webbare?saved=1');
    const page = await agent.get(res.headers.location!).expect(200);
    expect(page.text).toMatch(/id="profile-warnings"[\s\S]*fedora\.ks\.njk needs params\.repo \(line 6\)/);
    expect((await agent.get('/profiles/webbare').expect(200)).text).not.toContain('profile-warnings');
  });
});
