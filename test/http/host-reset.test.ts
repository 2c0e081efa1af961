// Reset to waiting: from the API, the host page and the bulk form. The machine's next poll waits
// again; a waiting host cannot be "reset"; the timeline and the audit say who did it.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const PASSWORD = 'reset-page-password';
const admin = (r: request.Test) => r.set('Authorization', `Bearer ${srv.adminToken}`);
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

async function registerAndAssign(mac: string) {
  const reg = (
    await request(srv.url)
      .post('/api/v1/discovery')
      .send(sampleFacts({ boot_mac: mac }))
      .expect(201)
  ).body as { id: string; token: string };
  await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/assignment`))
    .send({ action: 'kickstart', template: 'plain.ks.njk', hostname: `h${mac.slice(-2)}.example.com` })
    .expect(200);
  return reg;
}
const poll = (reg: { id: string; token: string }) =>
  request(srv.url).get(`/api/v1/discovery/${reg.id}/next`).set('Authorization', `Bearer ${reg.token}`);

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  await admin(request(srv.url).post('/api/v1/users')).send({ name: 'op', role: 'operator', password: PASSWORD }).expect(201);
  await admin(request(srv.url).post('/api/v1/users')).send({ name: 'view', role: 'viewer', password: PASSWORD }).expect(201);
});
afterAll(async () => srv.stop());

async function logIn(name: string) {
  const agent = request.agent(srv.url);
  const form = await agent.get('/login');
  await agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfOf(form.text), name, password: PASSWORD, next: '/hosts' })
    .expect(303);
  return { agent, csrf: csrfOf((await agent.get('/hosts')).text) };
}

describe('reset to waiting', () => {
  it('When an assigned host that already got its kickstart is reset through the API, then its next poll waits, the hostname stays, and it is on the timeline and in the audit', async () => {
    const reg = await registerAndAssign('52:54:00:00:0e:01');
    await poll(reg).expect(200);
    expect((await admin(request(srv.url).get(`/api/v1/hosts/${reg.id}`))).body.state).toBe('provisioning');
    const res = await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/reset`)).expect(200);
    expect(res.body).toMatchObject({ state: 'discovered', hostname: 'h01.example.com' });
    expect(res.body.assignment).toBeUndefined();
    await poll(reg).expect(202);
    const detail = (await admin(request(srv.url).get(`/api/v1/hosts/${reg.id}`))).body;
    expect(detail.events.at(-1)).toMatchObject({
      type: 'reset',
      actor: 'admin-token',
      ip: '127.0.0.1',
      message: 'reset to waiting (was provisioning)',
    });
    expect((await admin(request(srv.url).get('/api/v1/audit'))).body.entries[0]).toMatchObject({ action: 'host.reset', target: reg.id });
  });

  it('When a waiting host is reset, then 409 naming its state, and nothing changes', async () => {
    const reg = (
      await request(srv.url)
        .post('/api/v1/discovery')
        .send(sampleFacts({ boot_mac: '52:54:00:00:0e:02' }))
        .expect(201)
    ).body;
    const before = (await admin(request(srv.url).get(`/api/v1/hosts/${reg.id}`))).body;
    const res = await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/reset`)).expect(409);
    expect(res.body.error).toMatchObject({ code: 'INVALID_TRANSITION', field: 'state' });
    expect(res.body.error.message).toContain('is discovered');
    expect((await admin(request(srv.url).get(`/api/v1/hosts/${reg.id}`))).body).toEqual(before);
    await admin(request(srv.url).post('/api/v1/hosts/no-such-host/reset')).expect(404);
  });

  it('When an operator resets from the host page and from the bulk form, then the hosts wait again; a viewer is refused', async () => {
    const one = await registerAndAssign('52:54:00:00:0e:03');
    const two = await registerAndAssign('52:54:00:00:0e:04');
    const waiting = (
      await request(srv.url)
        .post('/api/v1/discovery')
        .send(sampleFacts({ boot_mac: '52:54:00:00:0e:05' }))
        .expect(201)
    ).body;
    const { agent, csrf } = await logIn('op');
    expect((await agent.get(`/hosts/${one.id}`)).text).toContain('id="reset"');
    await agent.post(`/hosts/${one.id}/reset`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
    expect((await admin(request(srv.url).get(`/api/v1/hosts/${one.id}`))).body.state).toBe('discovered');
    const again = await agent.post(`/hosts/${one.id}/reset`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(409);
    expect(again.text).toMatch(/id="error-reset">host [^ ]+ is discovered/);

    const posted = await agent
      .post('/hosts/bulk')
      .type('form')
      .send({ _csrf: csrf, bulk_action: 'reset', confirm: 'yes', ids: [two.id, waiting.id] })
      .expect(303);
    const bulk = await agent.get(posted.headers.location!).expect(200);
    expect(bulk.text).toContain('reset to waiting');
    expect(bulk.text).toMatch(/is discovered: &quot;reset&quot; needs a host that is assigned or provisioning or failed or lost/);
    expect((await admin(request(srv.url).get(`/api/v1/hosts/${two.id}`))).body.state).toBe('discovered');

    const viewer = await logIn('view');
    expect((await viewer.agent.get(`/hosts/${two.id}`)).text).not.toContain('id="reset"');
    await viewer.agent.post(`/hosts/${two.id}/reset`).type('form').send({ _csrf: viewer.csrf }).expect(403);
    await viewer.agent.post(`/hosts/${two.id}/delete`).type('form').send({ _csrf: viewer.csrf }).expect(403);
  });

  it('When an operator deletes from the host page, then the host is gone', async () => {
    const reg = await registerAndAssign('52:54:00:00:0e:06');
    const { agent, csrf } = await logIn('op');
    const res = await agent.post(`/hosts/${reg.id}/delete`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
    expect(res.headers.location).toBe('/hosts');
    await admin(request(srv.url).get(`/api/v1/hosts/${reg.id}`)).expect(404);
  });
});
