// The webhooks page and the failure banner, through the web forms: admins create (secret shown once,
// field errors in place), change and delete (confirmed); operators read without secrets or full URLs;
// viewers and authors get no page; every form needs the session's CSRF token; the banner and the
// Hosts badge count failed and lost hosts for every role.
import path from 'node:path';
import request from 'supertest';
import { failInstall } from '../support/failed-install.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, webLogin } from '../support/sessions.js';
import { markLostHosts } from '../../src/hosts/lost.js';
import { sampleFacts } from '../support/facts.js';
import { startReceiver, type Receiver } from '../notifications/receiver.js';

let srv: TestServer;
let r: Receiver;
type Login = Awaited<ReturnType<typeof webLogin>>;
const logins: Record<string, Login> = {};
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  r = await startReceiver();
  for (const role of ['admin', 'operator', 'author', 'viewer']) {
    await createUser(srv, `web-${role}`, role, `${role}-password-123`);
    logins[role] = await webLogin(srv, `web-${role}`, `${role}-password-123`);
  }
});
afterAll(async () => {
  await srv.stop();
  await r.close();
});

const stored = async () => (await request(srv.url).get('/api/v1/webhooks').set(admin()).expect(200)).body.webhooks as unknown[];

describe('webhooks page', () => {
  it('When an admin creates a webhook with the form, then the page shows its secret once, and never again', async () => {
    const { agent, csrf } = logins.admin!;
    const res = await agent
      .post('/webhooks')
      .type('form')
      .send({ _csrf: csrf, name: 'pager', url: `${r.url}?key=hunter2`, events: ['failed', 'lost'], enabled: '1' })
      .expect(201);
    const secret = /<code class="webhook-secret" id="secret">([^<]+)<\/code>/.exec(res.text)?.[1];
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stored())[0]).toMatchObject({ name: 'pager', events: ['failed', 'lost'], enabled: true });
    for (const role of ['admin', 'operator']) {
      const { agent: a } = logins[role]!;
      for (const url of ['/webhooks', '/webhooks/pager']) {
        const page = await a.get(url).expect(200);
        expect(page.text, `${role} ${url}`).not.toContain(secret!);
        expect(page.text, `${role} ${url}`).not.toContain('kickstand-sealed');
        if (role === 'operator') expect(page.text, `${role} ${url}`).not.toContain('hunter2');
      }
    }
  });

  it('When the form has a bad URL or no event, then the error is next to its field, what was typed is kept, and nothing is stored', async () => {
    const { agent, csrf } = logins.admin!;
    const before = await stored();
    const bad = await agent
      .post('/webhooks')
      .type('form')
      .send({ _csrf: csrf, name: 'evil', url: 'javascript:alert(1)', events: 'all' })
      .expect(400);
    expect(bad.text).toMatch(/id="error-url">url must be an http:\/\/ or https:\/\/ URL/);
    expect(bad.text).toContain('value="evil"');
    const none = await agent.post('/webhooks').type('form').send({ _csrf: csrf, name: 'quiet', url: r.url }).expect(400);
    expect(none.text).toContain('id="error-events"');
    const file = await agent
      .post('/webhooks')
      .type('form')
      .send({ _csrf: csrf, name: 'file', url: 'file:///etc/passwd', events: 'all' })
      .expect(400);
    expect(file.text).toContain('id="error-url"');
    expect(await stored()).toEqual(before);
  });

  it('When a form is posted without the session CSRF token, then 403 and nothing changes', async () => {
    const { agent } = logins.admin!;
    const before = await stored();
    for (const [url, body] of [
      ['/webhooks', { name: 'csrf', url: r.url, events: 'all' }],
      ['/webhooks/pager', { url: 'http://127.0.0.1:9/', events: 'all' }],
      ['/webhooks/pager/delete', { confirm: 'pager' }],
      ['/webhooks/pager/test', {}],
    ] as const) {
      for (const token of [undefined, 'not-the-token']) {
        const res = await agent
          .post(url)
          .type('form')
          .send({ ...body, ...(token ? { _csrf: token } : {}) });
        expect(res.status, url).toBe(403);
        expect(res.text, url).toContain('CSRF');
      }
    }
    expect(await stored()).toEqual(before);
    expect(r.received).toEqual([]);
  });

  it('When an operator, author or viewer posts the forms, then 403; authors and viewers get no page and no nav entry', async () => {
    const before = await stored();
    for (const role of ['operator', 'author', 'viewer']) {
      const { agent, csrf } = logins[role]!;
      for (const [url, body] of [
        ['/webhooks', { name: 'mine', url: r.url, events: 'all' }],
        ['/webhooks/pager', { url: 'http://127.0.0.1:9/', events: 'all' }],
        ['/webhooks/pager/delete', { confirm: 'pager' }],
        ['/webhooks/pager/test', {}],
      ] as const) {
        const res = await agent
          .post(url)
          .type('form')
          .send({ _csrf: csrf, ...body });
        expect(res.status, `${role} ${url}`).toBe(403);
      }
      const hosts = await agent.get('/hosts').expect(200);
      if (role === 'operator') {
        expect(hosts.text).toContain('href="/webhooks"');
        const page = await agent.get('/webhooks').expect(200);
        expect(page.text).not.toContain('id="new-webhook"');
      } else {
        expect(hosts.text).not.toContain('href="/webhooks"');
        await agent.get('/webhooks').expect(403);
        await agent.get('/webhooks/pager').expect(403);
      }
    }
    expect(await stored()).toEqual(before);
  });

  it('When an admin pings, then the page shows the answer and the delivery log lists it; delete needs the name typed', async () => {
    const { agent, csrf } = logins.admin!;
    const ping = await agent.post('/webhooks/pager/test').type('form').send({ _csrf: csrf }).expect(200);
    expect(ping.text).toMatch(/Ping delivered: HTTP 200/);
    expect(r.received.at(-1)!.json.event).toBe('ping');
    const page = await logins.operator!.agent.get('/webhooks/pager').expect(200);
    expect(page.text).toMatch(/<td>ping<\/td>.*<td>HTTP 200<\/td>/s);
    const unconfirmed = await agent.post('/webhooks/pager/delete').type('form').send({ _csrf: csrf, confirm: 'pagr' }).expect(400);
    expect(unconfirmed.text).toContain('id="error-confirm"');
    expect(await stored()).toHaveLength(1);
    await agent.post('/webhooks/pager/delete').type('form').send({ _csrf: csrf, confirm: 'pager' }).expect(303);
    expect(await stored()).toEqual([]);
  });
});

describe('failure banner', () => {
  it('When no host failed, then no banner; when hosts fail and are lost, then every role sees the counts and the badge', async () => {
    const { agent } = logins.viewer!;
    expect((await agent.get('/hosts').expect(200)).text).not.toContain('failure-banner');
    const failOne = (mac: string) => failInstall(srv.url, srv.adminToken, mac, { message: 'no disk' });
    await failOne('02:00:00:bb:00:01');
    await failOne('02:00:00:bb:00:02');
    for (const role of ['viewer', 'author', 'operator', 'admin']) {
      const page = await logins[role]!.agent.get('/profiles').expect(200);
      expect(page.text, role).toMatch(/<strong>2 hosts failed<\/strong>/);
      expect(page.text, role).toContain('href="/hosts?state=failed"');
      expect(page.text, role).not.toContain('href="/hosts?state=lost"');
      expect(page.text, role).toMatch(/<span class="failure-badge" id="failure-badge"[^>]*>2<\/span>/);
    }
    // A waiting machine that stops polling: the sweep marks it lost (the clock moved, not waited for).
    await request(srv.url)
      .post('/api/v1/discovery')
      .send(sampleFacts({ boot_mac: '02:00:00:bb:00:03' }))
      .expect(201);
    expect(await markLostHosts(srv.running.deps, Date.now() + 31 * 60_000)).toHaveLength(1);
    const page = await logins.viewer!.agent.get('/hosts').expect(200);
    expect(page.text).toMatch(/<strong>2 hosts failed, 1 lost<\/strong>/);
    expect(page.text).toContain('href="/hosts?state=lost"');
    expect(page.text).toMatch(/<span class="failure-badge" id="failure-badge"[^>]*>3<\/span>/);
  });
});
