// The rules page's "Apply to the N waiting hosts now" (POST /auto-assign): the API's
// POST /api/v1/hosts/auto-assign as a button, for the write roles only, CSRF-protected, with a
// confirmation step (the first POST only asks), then the result for each host.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { createUser, webLogin } from '../support/sessions.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const PASSWORD = 'apply-now-password';
const admin = (r: request.Test) => r.set('Authorization', `Bearer ${srv.adminToken}`);
const states = async () =>
  ((await admin(request(srv.url).get('/api/v1/hosts')).expect(200)).body.hosts as { id: string; state: string; hostname?: string }[]).map(
    (h) => h.state,
  );

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  await createUser(srv, 'op', 'operator', PASSWORD);
  await createUser(srv, 'view', 'viewer', PASSWORD);
  await createUser(srv, 'writer', 'author', PASSWORD);
  await admin(request(srv.url).post('/api/v1/profiles'))
    .send({ name: 'plain', action: 'kickstart', template: 'plain.ks.njk', params: {} })
    .expect(201);
  await admin(request(srv.url).post('/api/v1/rules'))
    .send({ name: 'dell', expression: 'dmi.vendor ~ "Dell"', profile: 'plain', hostname_pattern: 'dell-{{ seq(2) }}.example.com' })
    .expect(201);
  for (const vendor of ['Dell Inc.', 'Dell Inc.', 'HPE'])
    await request(srv.url)
      .post('/api/v1/discovery')
      .send(sampleFacts({ dmi: { vendor, product: 'X', serial: 'S', uuid: crypto.randomUUID() } }))
      .expect(201);
});
afterAll(async () => srv.stop());

describe('rules page: apply to the waiting hosts now', () => {
  it('When a viewer or an author opens the rules page, then there is no button; when they post anyway, then 403 and no host changes', async () => {
    for (const user of ['view', 'writer']) {
      const { agent, csrf } = await webLogin(srv, user, PASSWORD);
      expect((await agent.get('/rules').expect(200)).text).not.toContain('action="/auto-assign"');
      await agent.post('/auto-assign').type('form').set('Accept', 'text/html').send({ _csrf: csrf, confirm: 'yes' }).expect(403);
    }
    expect(await states()).toEqual(['discovered', 'discovered', 'discovered']);
  });

  it('When the CSRF token is missing or forged, then 403 and no host changes', async () => {
    const { agent } = await webLogin(srv, 'op', PASSWORD);
    await agent.post('/auto-assign').type('form').set('Accept', 'text/html').send({ confirm: 'yes' }).expect(403);
    await agent.post('/auto-assign').type('form').set('Accept', 'text/html').send({ _csrf: 'forged', confirm: 'yes' }).expect(403);
    expect(await states()).toEqual(['discovered', 'discovered', 'discovered']);
  });

  it('When an operator presses the button, then the page asks first and nothing changes; confirming assigns the matching hosts and lists each result', async () => {
    const { agent, csrf } = await webLogin(srv, 'op', PASSWORD);
    const page = (await agent.get('/rules').expect(200)).text;
    expect(page).toContain('id="apply-now-button">Apply to the 3 waiting hosts now</button>');

    const ask = (await agent.post('/auto-assign').type('form').send({ _csrf: csrf }).expect(200)).text;
    expect(ask).toContain('Run the rules below for the <strong>3</strong> waiting hosts now?');
    expect(ask).toContain('<input type="hidden" name="confirm" value="yes">');
    expect(await states()).toEqual(['discovered', 'discovered', 'discovered']);

    const done = (await agent.post('/auto-assign').type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(200)).text;
    expect(done).toContain('Rules applied to 3 waiting hosts');
    const rows = [
      ...done.matchAll(
        /<tr class="outcome-([a-z-]+)"><td><a href="\/hosts\/[^"]+">[^<]+<\/a><\/td><td>[a-z-]+<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td>/g,
      ),
    ].map((m) => [m[1], m[2], m[3]]);
    expect(rows.sort()).toEqual([
      ['assigned', 'dell', 'dell-01.example.com'],
      ['assigned', 'dell', 'dell-02.example.com'],
      ['no-rule', '—', '—'],
    ]);
    expect((await states()).sort()).toEqual(['assigned', 'assigned', 'discovered']);
    expect(done).toContain('id="apply-now-button">Apply to the 1 waiting host now</button>');
    const audit = (await admin(request(srv.url).get('/api/v1/audit')).expect(200)).body.entries as { action: string; detail: string }[];
    expect(audit.filter((e) => e.action === 'host.assign' && e.detail.includes('(run by op)'))).toHaveLength(2);
  });
});
