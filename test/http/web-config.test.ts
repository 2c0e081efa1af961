// Profiles and rules pages: create through forms, errors next to the field with input kept, live
// preview that saves nothing, and roles.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const PASSWORD = 'config-page-password';

async function logIn(name: string) {
  const agent = request.agent(srv.url);
  const form = await agent.get('/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
  await agent.post('/login').type('form').send({ _csrf: csrf, name, password: PASSWORD, next: '/profiles' }).expect(303);
  const page = await agent.get('/profiles').expect(200);
  return { agent, csrf: /name="_csrf" value="([^"]+)"/.exec(page.text)![1]! };
}

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  for (const role of ['operator', 'viewer']) {
    await request(srv.url).post('/api/v1/users').set('Authorization', `Bearer ${srv.adminToken}`).send({ name: role, role, password: PASSWORD }).expect(201);
  }
});
afterAll(async () => srv.stop());

describe('profiles page', () => {
  it('When an operator creates a kickstart profile through the form, then it is listed and the template list comes from the folder', async () => {
    const { agent, csrf } = await logIn('operator');
    const page = await agent.get('/profiles');
    expect(page.text).toContain('<option>plain.ks.njk</option>');
    expect(page.text).not.toContain('<option>stub.ks.njk</option>');
    const res = await agent.post('/profiles').type('form').send({ _csrf: csrf, name: 'web-plain', action: 'kickstart', template: 'plain.ks.njk', params: '{"repo": "http://127.0.0.1/r"}' });
    expect(res.status).toBe(303);
    const saved = (await request(srv.url).get('/api/v1/profiles/web-plain').set('Authorization', `Bearer ${srv.adminToken}`)).body;
    expect(saved).toMatchObject({ action: 'kickstart', template: 'plain.ks.njk', params: { repo: 'http://127.0.0.1/r' } });
  });

  it('When the form is wrong, then the error sits next to its field and what was typed is kept', async () => {
    const { agent, csrf } = await logIn('operator');
    const res = await agent.post('/profiles').type('form').send({ _csrf: csrf, name: 'broken', action: 'kexec', kernel: 'ftp://nope', initrd: 'http://127.0.0.1/i', append: 'quiet' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="error-kernel">kernel has an invalid format/);
    expect(res.text).toContain('value="ftp://nope"');
    expect(res.text).toContain('value="quiet"');
  });

  it('When a viewer posts the form, then it is refused and nothing is stored', async () => {
    const { agent, csrf } = await logIn('viewer');
    expect((await agent.get('/profiles')).text).not.toContain('<h2>New profile</h2>');
    const res = await agent.post('/profiles').type('form').set('Accept', 'text/html').send({ _csrf: csrf, name: 'sneaky', action: 'reboot' });
    expect(res.status).toBe(403);
    await request(srv.url).get('/api/v1/profiles/sneaky').set('Authorization', `Bearer ${srv.adminToken}`).expect(404);
  });
});

describe('rules page', () => {
  it('When a rule is previewed from the form, then matching hosts and hostnames show and nothing is saved; saving then works', async () => {
    await request(srv.url).post('/api/v1/profiles').set('Authorization', `Bearer ${srv.adminToken}`).send({ name: 'bounce', action: 'reboot' }).expect(201);
    const facts = sampleFacts();
    const { body } = await request(srv.url).post('/api/v1/discovery').send(facts).expect(201);
    const { agent, csrf } = await logIn('operator');
    const form = { _csrf: csrf, name: 'big', expression: 'memory_mib >= 65536', profile: 'bounce', hostname_pattern: 'big-{{ seq(2) }}', priority: '10', limit: '0', enabled: '1' };
    const preview = await agent.post('/rules').type('form').send({ ...form, intent: 'preview' });
    expect(preview.status).toBe(200);
    expect(preview.text).toContain(`<a href="/hosts/${body.id}">${body.id}</a>`);
    expect(preview.text).toContain('big-01');
    expect((await request(srv.url).get('/api/v1/rules').set('Authorization', `Bearer ${srv.adminToken}`)).body.rules).toEqual([]);
    await agent.post('/rules').type('form').send({ ...form, intent: 'save' }).expect(303);
    expect((await request(srv.url).get('/api/v1/rules/big').set('Authorization', `Bearer ${srv.adminToken}`)).body).toMatchObject({ priority: 10, enabled: true });
  });

  it('When the expression does not parse, then the page shows the line and column next to it', async () => {
    const { agent, csrf } = await logIn('operator');
    const res = await agent.post('/rules').type('form').send({ _csrf: csrf, name: 'bad', expression: 'memory_mib > 1 and\n(cpu.cores', profile: 'bounce', intent: 'save' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="error-expression">expression line 2, column \d+/);
    expect(res.text).toContain('(cpu.cores</textarea>');
  });
});
