// The audit trail: who changed what, with no secret in it; kinds with caps of their own so no flood
// erases it; filters and pages; the personal token cap.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_CAPS } from '../../src/audit/audit.js';
import { MAX_TOKENS } from '../../src/auth/users.js';
import { sampleFacts } from '../support/facts.js';
import { createUser, csrfOf, webLogin } from '../support/sessions.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
});
afterAll(async () => srv.stop());

describe('audit', () => {
  it('When people and rules change things, then each change is listed with who, what and on what — and no secret', async () => {
    const user = await request(srv.url)
      .post('/api/v1/users')
      .set(admin())
      .send({ name: 'ops', role: 'operator', password: 'ops-password-123' })
      .expect(201);
    const token = (await request(srv.url).post('/api/v1/users/ops/tokens').set(admin()).send({ name: 'ci' }).expect(201)).body
      .token as string;
    const ops = { Authorization: `Bearer ${token}` };
    await request(srv.url).post('/api/v1/profiles').set(ops).send({ name: 'bounce', action: 'reboot' }).expect(201);
    await request(srv.url)
      .post('/api/v1/rules')
      .set(ops)
      .send({ name: 'all', expression: 'memory_mib > 1', profile: 'bounce', hostname_pattern: 'a-{{ seq(2) }}' })
      .expect(201);
    const manual = (await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201)).body.id as string;
    await request(srv.url).post(`/api/v1/hosts/${manual}/assignment`).set(ops).send({ action: 'reboot' }).expect(200);
    const byRule = (await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201)).body.id as string;
    await request(srv.url).post('/api/v1/hosts/auto-assign').set(ops).expect(200);
    await request(srv.url).patch('/api/v1/settings').set(ops).send({ auto_provision: true }).expect(200);
    await request(srv.url).delete(`/api/v1/hosts/${manual}`).set(ops).expect(204);

    const res = await request(srv.url).get('/api/v1/audit').set(ops).expect(200);
    const lines = (res.body.entries as { actor: string; action: string; target: string }[])
      .map((e) => `${e.actor} ${e.action} ${e.target}`)
      .reverse();
    expect(lines).toEqual(
      expect.arrayContaining([
        'admin-token user.create ops',
        'admin-token token.create ops',
        'ops profile.create bounce',
        'ops rule.create all',
        `ops host.assign ${manual}`,
        `rule all host.assign ${byRule}`,
        'ops settings.change settings',
        `ops host.delete ${manual}`,
      ]),
    );
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(token);
    expect(text).not.toContain('ops-password-123');
    expect(user.body.password).toBeUndefined();
  });
});

describe('audit that no flood can erase (issue 13, item 8)', () => {
  const viewer = { name: 'vee', password: 'viewer-password-1' };
  let vee: { Authorization: string };

  beforeAll(async () => {
    await createUser(srv, viewer.name, 'viewer', viewer.password);
    vee = {
      Authorization: `Bearer ${(await request(srv.url).post('/api/v1/users/vee/tokens').set(admin()).send({ name: 'first' }).expect(201)).body.token as string}`,
    };
  });

  it('When a viewer creates personal tokens, then the 21st is refused naming the field, by either route', async () => {
    for (let i = 1; i < MAX_TOKENS; i++)
      await request(srv.url)
        .post('/api/v1/me/tokens')
        .set(vee)
        .send({ name: `t${i}` })
        .expect(201);
    const refused = await request(srv.url).post('/api/v1/me/tokens').set(vee).send({ name: 'one-too-many' }).expect(409);
    expect(refused.body.error).toMatchObject({ code: 'LIMIT_REACHED', field: 'tokens' });
    expect(refused.body.error.message).toContain(`${MAX_TOKENS} personal tokens`);
    await request(srv.url).post('/api/v1/users/vee/tokens').set(admin()).send({ name: 'by-admin' }).expect(409);
    expect((await request(srv.url).get('/api/v1/me').set(vee).expect(200)).body.name).toBe('vee');
  });

  it('When a viewer floods the trail by revoking and minting tokens, then logins, user changes and assignments stay', async () => {
    await webLogin(srv, viewer.name, viewer.password); // a login entry
    await request(srv.url).post('/api/v1/profiles').set(admin()).send({ name: 'keep-bounce', action: 'reboot' }).expect(201);
    const kept = (await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201)).body.id as string;
    await request(srv.url).post(`/api/v1/hosts/${kept}/assignment`).set(admin()).send({ profile: 'keep-bounce' }).expect(200);

    // Over the tokens kind's cap: every mint and revoke is an entry of its own.
    const mine = () => request(srv.url).get('/api/v1/me').set(vee);
    const cycles = Math.ceil((AUDIT_CAPS.tokens * 1.05) / 2);
    const ids = (
      (await request(srv.url).get('/api/v1/users').set(admin()).expect(200)).body.users as {
        name: string;
        tokens: { id: string; name: string }[];
      }[]
    )
      .find((u) => u.name === 'vee')!
      .tokens.filter((t) => t.name !== 'first')
      .map((t) => t.id);
    for (let i = 0; i < cycles; i += 10) {
      const batch = ids.splice(0, 10);
      await Promise.all(batch.map((id) => request(srv.url).delete(`/api/v1/me/tokens/${id}`).set(vee).expect(204)));
      const made = await Promise.all(
        batch.map((_, j) =>
          request(srv.url)
            .post('/api/v1/me/tokens')
            .set(vee)
            .send({ name: `again${i + j}` })
            .expect(201),
        ),
      );
      ids.push(...made.map((r) => r.body.id as string));
    }
    await mine().expect(200);
    const tokens = await request(srv.url).get('/api/v1/audit?action=token.*&limit=1000').set(vee).expect(200);
    expect(tokens.body.entries.length).toBe(1000);
    expect(tokens.body.next).toBeGreaterThan(0);

    const lines = async (action: string) =>
      (
        (await request(srv.url).get(`/api/v1/audit?action=${action}`).set(vee).expect(200)).body.entries as {
          actor: string;
          target: string;
        }[]
      ).map((e) => `${e.actor} ${e.target}`);
    expect(await lines('login')).toContain('vee vee');
    expect(await lines('user.create')).toEqual(expect.arrayContaining(['admin-token ops', 'admin-token vee']));
    expect(await lines('host.assign')).toContain(`admin-token ${kept}`);
  }, 120_000);

  it('When the trail is read a page at a time with filters, then pages follow each other without overlap, through the API and the page', async () => {
    const page = (q: string) => request(srv.url).get(`/api/v1/audit?${q}`).set(vee).expect(200);
    const first = await page('actor=vee&action=token.create&limit=7');
    const second = await page(`actor=vee&action=token.create&limit=7&cursor=${first.body.next}`);
    const seqs = [...first.body.entries, ...second.body.entries].map((e: { seq: number }) => e.seq);
    expect(seqs.length).toBe(14);
    expect(seqs.every((s, i) => i === 0 || s < seqs[i - 1]!)).toBe(true);
    for (const e of [...first.body.entries, ...second.body.entries])
      expect(e).toMatchObject({ actor: 'vee', action: 'token.create', target: 'vee' });
    // ops's token.create went with the flood (its own kind); its user.create did not.
    expect((await page('target=ops&limit=50')).body.entries.map((e: { action: string }) => e.action)).toEqual(['user.create']);
    expect((await page('actor=nobody')).body).toEqual({ entries: [] });

    // The page: the same filters in a form, an Older link that carries them.
    const { agent } = await webLogin(srv, viewer.name, viewer.password);
    const html = (await agent.get('/audit?action=token.create&actor=vee&limit=5').expect(200)).text;
    expect(html).toContain('name="action" value="token.create"');
    expect(html.match(/<code>token\.create<\/code>/g)?.length).toBe(5);
    expect(html).not.toContain('<code>login</code>');
    const older = /href="([^"]+)" rel="next"/.exec(html)![1]!.replace(/&amp;/g, '&');
    expect(older).toContain('cursor=');
    const next = (await agent.get(older).expect(200)).text;
    expect(next.match(/<code>token\.create<\/code>/g)?.length).toBe(5);
    expect(next).toContain('rel="first"');
  });

  it('When audit query parameters are wrong, then the answer names the parameter (API 400, the page shows it at the form)', async () => {
    for (const [q, field] of [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=ten', 'limit'],
      ['cursor=-3', 'cursor'],
      ['action=drop%20table', 'action'],
      ['actor=a&actor=b', 'actor'],
      [`target=${'x'.repeat(129)}`, 'target'],
    ] as const) {
      const res = await request(srv.url).get(`/api/v1/audit?${q}`).set(vee).expect(400);
      expect(res.body.error, q).toMatchObject({ code: 'VALIDATION', field });
    }
    await request(srv.url).get('/api/v1/audit').expect(401);
    const { agent } = await webLogin(srv, viewer.name, viewer.password);
    const bad = await agent.get('/audit?limit=0&actor=vee').expect(400);
    expect(bad.text).toContain('id="error-limit"');
    expect(bad.text).toContain('name="actor" value="vee"');
  });

  it('When a viewer reads the whole trail, then it holds no password, token or name typed as a password', async () => {
    const typedAsName = 'my-secret-password-typed-as-name';
    await request(srv.url).post('/api/v1/users/vee/password').set(admin()).send({ password: 'viewer-password-2' }).expect(200);
    const token = (await request(srv.url).post('/api/v1/users/ops/tokens').set(admin()).send({ name: 'later' }).expect(201)).body
      .token as string;
    const agent = request.agent(srv.url);
    const form = (await agent.get('/login').expect(200)).text;
    await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfOf(form), name: typedAsName, password: 'x' })
      .expect(401);

    let text = '';
    let cursor: number | undefined;
    do {
      const res = await request(srv.url)
        .get(`/api/v1/audit?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)
        .set(vee)
        .expect(200);
      text += JSON.stringify(res.body.entries);
      cursor = res.body.next as number | undefined;
    } while (cursor);
    for (const secret of [
      typedAsName,
      token,
      vee.Authorization.slice(7),
      'viewer-password-1',
      'viewer-password-2',
      'ops-password-123',
      srv.adminToken,
      'scrypt$',
    ])
      expect(text).not.toContain(secret);
    expect(text).toContain('"action":"login.failure","target":"(unknown user)"');
  });
});
