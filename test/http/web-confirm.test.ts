// The host page's confirmations (src/web/confirm.ts): delete, reset and reprovision from the web form
// need `confirm` — the hostname typed for an installed host, "yes" for any other. A missing or wrong
// one is a 400 with the message next to the form, and nothing changes. The API does not ask.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { createUser, webLogin } from '../support/sessions.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const PASSWORD = 'confirm-page-password';
const admin = (r: request.Test) => r.set('Authorization', `Bearer ${srv.adminToken}`);
const hostOf = (id: string) => admin(request(srv.url).get(`/api/v1/hosts/${id}`));

interface Reg {
  id: string;
  token: string;
}

async function register(): Promise<Reg> {
  return (await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201)).body as Reg;
}

async function assigned(hostname: string): Promise<Reg> {
  const reg = await register();
  await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/assignment`))
    .send({ action: 'kickstart', template: 'plain.ks.njk', hostname })
    .expect(200);
  return reg;
}

async function installed(hostname: string): Promise<Reg> {
  const reg = await assigned(hostname);
  await request(srv.url).get(`/api/v1/discovery/${reg.id}/next`).set('Authorization', `Bearer ${reg.token}`).expect(200);
  await request(srv.url)
    .post(`/api/v1/discovery/${reg.id}/events`)
    .set('Authorization', `Bearer ${reg.token}`)
    .send({ stage: 'installed' })
    .expect(200);
  expect((await hostOf(reg.id).expect(200)).body.state).toBe('installed');
  return reg;
}

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  await createUser(srv, 'op', 'operator', PASSWORD);
  await createUser(srv, 'view', 'viewer', PASSWORD);
  await createUser(srv, 'writer', 'author', PASSWORD);
});
afterAll(async () => srv.stop());

describe('host page confirmations', () => {
  it('When an installed host is shown, then each of its forms asks for its hostname; a waiting host asks for a tick', async () => {
    const done = await installed('db-01.example.com');
    const { agent } = await webLogin(srv, 'op', PASSWORD);
    const page = (await agent.get(`/hosts/${done.id}`).expect(200)).text;
    expect(page).toContain('id="confirm-delete" required autocomplete="off" spellcheck="false" data-expected="db-01.example.com"');
    expect(page).toContain('id="confirm-reprovision" required');
    expect(page).toContain('<script src="/static/confirm.js" defer></script>');
    const waiting = await register();
    const other = (await agent.get(`/hosts/${waiting.id}`).expect(200)).text;
    expect(other).toContain('<input type="checkbox" name="confirm" value="yes" id="confirm-delete" required>');
    expect(other).not.toContain('data-expected=');
  });

  it('When an installed host is deleted with no hostname, with "yes" or with a wrong one, then 400 next to the form and it is still there; with its hostname it is gone', async () => {
    const reg = await installed('db-02.example.com');
    const { agent, csrf } = await webLogin(srv, 'op', PASSWORD);
    const before = (await hostOf(reg.id).expect(200)).body;
    for (const confirm of [undefined, '', 'yes', 'db-03.example.com', 'DB-02.EXAMPLE.COM', reg.id]) {
      const res = await agent
        .post(`/hosts/${reg.id}/delete`)
        .type('form')
        .send({ _csrf: csrf, ...(confirm === undefined ? {} : { confirm }) })
        .expect(400);
      expect(res.text, String(confirm)).toMatch(
        /id="error-delete">[^<]*type its name db-02\.example\.com|id="error-delete">[^<]*type db-02\.example\.com/,
      );
      expect(res.text).toContain('nothing was changed');
    }
    expect((await hostOf(reg.id).expect(200)).body).toEqual(before);
    const ok = await agent.post(`/hosts/${reg.id}/delete`).type('form').send({ _csrf: csrf, confirm: ' db-02.example.com ' }).expect(303);
    expect(ok.headers.location).toBe('/hosts');
    await hostOf(reg.id).expect(404);
    expect((await admin(request(srv.url).get('/api/v1/audit')).expect(200)).body.entries[0]).toMatchObject({
      action: 'host.delete',
      target: reg.id,
      actor: 'op',
    });
  });

  it('When an installed host is reprovisioned without its hostname, then 400 and it stays installed; with it, it waits for a new assignment', async () => {
    const reg = await installed('db-04.example.com');
    const { agent, csrf } = await webLogin(srv, 'op', PASSWORD);
    const refused = await agent.post(`/hosts/${reg.id}/reprovision`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(400);
    expect(refused.text).toMatch(
      /id="error-reprovision">&quot;yes&quot; is not this host&#39;s name: type db-04\.example\.com to reprovision it/,
    );
    expect((await hostOf(reg.id).expect(200)).body.state).toBe('installed');
    await agent.post(`/hosts/${reg.id}/reprovision`).type('form').send({ _csrf: csrf, confirm: 'db-04.example.com' }).expect(303);
    expect((await hostOf(reg.id).expect(200)).body.state).not.toBe('installed');
  });

  it('When a host that is not installed is reset or deleted without the tick, then 400 and nothing changed; with confirm=yes it is done', async () => {
    const reg = await assigned('web-01.example.com');
    const { agent, csrf } = await webLogin(srv, 'op', PASSWORD);
    const res = await agent.post(`/hosts/${reg.id}/reset`).type('form').send({ _csrf: csrf }).expect(400);
    expect(res.text).toContain('id="error-reset">confirm that you want to reset this host (nothing was changed)');
    await agent.post(`/hosts/${reg.id}/reset`).type('form').send({ _csrf: csrf, confirm: 'on' }).expect(400);
    expect((await hostOf(reg.id).expect(200)).body.state).toBe('assigned');
    await agent.post(`/hosts/${reg.id}/reset`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
    expect((await hostOf(reg.id).expect(200)).body.state).toBe('discovered');
    await agent.post(`/hosts/${reg.id}/delete`).type('form').send({ _csrf: csrf }).expect(400);
    await hostOf(reg.id).expect(200);
    await agent.post(`/hosts/${reg.id}/delete`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
    await hostOf(reg.id).expect(404);
  });

  it('When a viewer or an author posts the right confirmation, or the CSRF token is missing, then 403 and the host stays', async () => {
    const reg = await installed('db-05.example.com');
    for (const user of ['view', 'writer']) {
      const { agent, csrf } = await webLogin(srv, user, PASSWORD);
      expect((await agent.get(`/hosts/${reg.id}`).expect(200)).text).not.toContain('id="confirm-delete"');
      for (const action of ['delete', 'reprovision'])
        await agent
          .post(`/hosts/${reg.id}/${action}`)
          .type('form')
          .set('Accept', 'text/html')
          .send({ _csrf: csrf, confirm: 'db-05.example.com' })
          .expect(403);
    }
    const { agent } = await webLogin(srv, 'op', PASSWORD);
    await agent.post(`/hosts/${reg.id}/delete`).type('form').set('Accept', 'text/html').send({ confirm: 'db-05.example.com' }).expect(403);
    await agent
      .post(`/hosts/${reg.id}/delete`)
      .type('form')
      .set('Accept', 'text/html')
      .send({ _csrf: 'forged-token', confirm: 'db-05.example.com' })
      .expect(403);
    expect((await hostOf(reg.id).expect(200)).body.state).toBe('installed');
  });

  it('When a script deletes or reprovisions an installed host through the API, then no confirmation is asked', async () => {
    const one = await installed('db-06.example.com');
    await admin(request(srv.url).post(`/api/v1/hosts/${one.id}/reprovision`)).expect(200);
    const two = await installed('db-07.example.com');
    await admin(request(srv.url).delete(`/api/v1/hosts/${two.id}`)).expect(204);
    await hostOf(two.id).expect(404);
  });
});
