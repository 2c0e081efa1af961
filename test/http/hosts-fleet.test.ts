// The hosts list for a fleet, over HTTP: GET /api/v1/hosts with state, q, where, sort, limit and
// cursor; the page's chips, pages and filter errors; bulk actions answered with a 303 back to the same
// list, confirmed by the server; the rules button; who may do what; hostile facts stay text.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, webLogin } from '../support/sessions.js';

let srv: TestServer;
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });
const tokens: Record<string, { Authorization: string }> = {};
const ids: string[] = [];
const mac = (i: number) => `b8:ca:3a:00:10:${i.toString(16).padStart(2, '0')}`;

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  for (const [name, role] of [
    ['vic', 'viewer'],
    ['opal', 'operator'],
    ['ann', 'author'],
  ] as const) {
    await createUser(srv, name, role, `${name}-password-123`);
    const t = await request(srv.url).post(`/api/v1/users/${name}/tokens`).set(admin()).send({ name: 'script' }).expect(201);
    tokens[name] = { Authorization: `Bearer ${t.body.token as string}` };
  }
  await request(srv.url).post('/api/v1/profiles').set(admin()).send({ name: 'bounce', action: 'reboot' }).expect(201);
  // 12 hosts, one at a time so first-seen order is the registration order; every third is big.
  for (let i = 0; i < 12; i++) {
    const facts = sampleFacts({ boot_mac: mac(i), memory_mib: i % 3 === 0 ? 524288 : 16384 });
    if (i === 11) (facts.dmi as Record<string, string>).product = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
    ids.push((await request(srv.url).post('/api/v1/discovery').send(facts).expect(201)).body.id as string);
  }
});
afterAll(async () => srv.stop());

describe('GET /api/v1/hosts', () => {
  it('When no parameter is given, then every host comes back as before, in first-seen order, with total and no cursor', async () => {
    const res = await request(srv.url).get('/api/v1/hosts').set(admin()).expect(200);
    expect(res.body.hosts.map((h: { id: string }) => h.id)).toEqual(ids);
    expect(res.body).toMatchObject({ total: 12, next_cursor: null });
    expect(res.body.hosts[0]).toHaveProperty('summary');
    expect(res.body.hosts[0]).not.toHaveProperty('token_hash');
  });

  it('When a viewer pages through a filtered query with limit and cursor, then every match comes once, in order', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await request(srv.url)
        .get('/api/v1/hosts')
        .query({ where: 'memory_mib >= 250000', q: 'B8-CA-3A', sort: 'mac', dir: 'desc', limit: 3, ...(cursor ? { cursor } : {}) })
        .set(tokens.vic!)
        .expect(200);
      expect(res.body.total).toBe(4);
      seen.push(...res.body.hosts.map((h: { boot_mac: string }) => h.boot_mac));
      cursor = res.body.next_cursor as string | null;
    } while (cursor);
    expect(seen).toEqual([9, 6, 3, 0].map(mac));
  });

  it('When a parameter is bad, then 400 VALIDATION names it, and a where error carries its position', async () => {
    const bad = await request(srv.url).get('/api/v1/hosts').query({ where: 'memory_mib >= 1 and nics' }).set(admin()).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION', field: 'where', position: { line: 1, column: 21 } });
    expect(bad.body.error.message).toMatch(/unknown field "nics"/);
    const syntax = await request(srv.url).get('/api/v1/hosts').query({ where: 'memory_mib >= (' }).set(admin()).expect(400);
    expect(syntax.body.error.position.line).toBe(1);
    for (const [query, field] of [
      [{ state: 'asleep' }, 'state'],
      [{ limit: '5000' }, 'limit'],
      [{ sort: 'token_hash' }, 'sort'],
      [{ cursor: 'AAAA' }, 'cursor'],
      [{ dir: 'sideways' }, 'dir'],
    ] as const) {
      const res = await request(srv.url).get('/api/v1/hosts').query(query).set(admin()).expect(400);
      expect(res.body.error, JSON.stringify(query)).toMatchObject({ code: 'VALIDATION', field });
    }
  });

  it('When asked with Accept-Encoding gzip, then the list is compressed, and without it it is not', async () => {
    const res = await request(srv.url).get('/api/v1/hosts').set(admin()).set('Accept-Encoding', 'gzip').expect(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['server-timing']).toMatch(/^query;dur=/);
    const plain = await request(srv.url).get('/api/v1/hosts').set(admin()).set('Accept-Encoding', 'identity').expect(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    // Byte ranges are never compressed: a resumed download gets the bytes it asked for.
    const css = await request(srv.url).get('/static/kickstand.css').set('Accept-Encoding', 'gzip').expect(200);
    expect(css.headers['content-encoding']).toBe('gzip');
    const ranged = await request(srv.url).get('/static/kickstand.css').set('Accept-Encoding', 'gzip').set('Range', 'bytes=0-99');
    expect(ranged.headers['content-encoding']).toBeUndefined();
  });
});

describe('the hosts page', () => {
  it('When filtered and paged, then chips count per state, the filter error shows at its field, and the next page link works', async () => {
    const { agent } = await webLogin(srv, 'vic', 'vic-password-123');
    const page = await agent.get('/hosts?limit=25').expect(200);
    expect(page.text).toMatch(/discovered <b data-count="discovered">12<\/b>/);
    expect(page.text).not.toContain('name="ids"'); // a viewer gets no selection
    const bad = await agent.get(`/hosts?where=${encodeURIComponent('any(disks, size_bytes > 1)')}`).expect(200);
    expect(bad.text).toMatch(/aria-invalid="true" aria-describedby="error-where"/);
    expect(bad.text).toMatch(/<span class="error" id="error-where">line 1, column 5: unknown field &quot;disks&quot;/);
    const { agent: op } = await webLogin(srv, 'opal', 'opal-password-123');
    const first = await op.get('/hosts?limit=25&where=memory_mib+%3E+1').expect(200);
    expect((first.text.match(/name="ids"/g) ?? []).length).toBe(12);
    expect(first.text).not.toContain('id="next-page"');
  });

  it('When a machine reports markup in its model, then the page and the search show it as text', async () => {
    const { agent } = await webLogin(srv, 'vic', 'vic-password-123');
    const page = await agent.get('/hosts?q=onerror').expect(200);
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).not.toContain('<script>alert');
    const fragment = await agent.get('/hosts?q=onerror&fragment=rows').expect(200);
    expect(fragment.text.trim()).toMatch(/^<table><tbody id="rows"/);
    expect(fragment.text).not.toContain('<img src=x');
  });
});

describe('bulk actions', () => {
  it('When an operator assigns "all matching", then the query is evaluated again, and the 303 lands on the same list with the results', async () => {
    const { agent, csrf } = await webLogin(srv, 'opal', 'opal-password-123');
    const query = 'where=memory_mib+%3E%3D+250000&sort=mac&dir=desc';
    const res = await agent
      .post('/hosts/bulk')
      .type('form')
      .send({ _csrf: csrf, query, scope: 'query', bulk_action: 'assign', profile: 'bounce' })
      .expect(303);
    expect(res.headers.location).toMatch(/^\/hosts\?where=memory_mib\+%3E%3D\+250000&sort=mac&dir=desc&done=[\w-]+$/);
    const landed = await agent.get(res.headers.location!).expect(200);
    expect(landed.text).toContain('assign: 4 assigned — all 4 matching hosts');
    expect(landed.text).toContain('value="memory_mib &gt;= 250000"');
    const states = (await request(srv.url).get('/api/v1/hosts').query({ state: 'assigned' }).set(admin())).body;
    expect(states.hosts.map((h: { boot_mac: string }) => h.boot_mac).sort()).toEqual([0, 3, 6, 9].map(mac).sort());
    // Another user cannot read these results.
    const other = await webLogin(srv, 'vic', 'vic-password-123');
    expect((await other.agent.get(res.headers.location!).expect(200)).text).not.toContain('assign: 4 assigned');
  });

  it('When a destructive action is not confirmed, then nothing happens and the list keeps its filter and ticks; confirmed, it runs', async () => {
    const { agent, csrf } = await webLogin(srv, 'opal', 'opal-password-123');
    const query = 'q=b8ca3a&limit=50';
    const refused = await agent
      .post('/hosts/bulk')
      .type('form')
      .send({ _csrf: csrf, query, ids: [ids[0], ids[3]], bulk_action: 'reset' })
      .expect(303);
    const back = await agent.get(refused.headers.location!).expect(200);
    expect(back.text).toContain('confirm the reset of 2 host(s) first');
    expect(back.text).toMatch(new RegExp(`value="${ids[0]}" aria-label="[^"]*" checked`));
    expect(back.text).toContain('value="b8ca3a"');
    expect((await request(srv.url).get(`/api/v1/hosts/${ids[0]}`).set(admin())).body.state).toBe('assigned');
    await agent
      .post('/hosts/bulk')
      .type('form')
      .send({ _csrf: csrf, query, ids: [ids[0], ids[3]], bulk_action: 'reset', confirm: 'yes' })
      .expect(303);
    expect((await request(srv.url).get(`/api/v1/hosts/${ids[0]}`).set(admin())).body.state).toBe('discovered');
  });

  it('When installed hosts are among a bulk delete, then their number must be typed', async () => {
    const reg = await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201);
    await request(srv.url)
      .post(`/api/v1/hosts/${reg.body.id as string}/assignment`)
      .set(admin())
      .send({ profile: 'bounce' })
      .expect(200);
    await request(srv.url)
      .get(`/api/v1/discovery/${reg.body.id as string}/next`)
      .set('Authorization', `Bearer ${reg.body.token as string}`);
    await request(srv.url)
      .post(`/api/v1/discovery/${reg.body.id as string}/events`)
      .set('Authorization', `Bearer ${reg.body.token as string}`)
      .send({ stage: 'installed' });
    const state = (
      await request(srv.url)
        .get(`/api/v1/hosts/${reg.body.id as string}`)
        .set(admin())
    ).body.state as string;
    const { agent, csrf } = await webLogin(srv, 'opal', 'opal-password-123');
    const send = (extra: object) =>
      agent
        .post('/hosts/bulk')
        .type('form')
        .send({ _csrf: csrf, query: '', ids: [reg.body.id, ids[1]], bulk_action: 'delete', confirm: 'yes', ...extra })
        .expect(303);
    expect(state).toBe('installed');
    for (const typed of [undefined, '2', 'one']) {
      const refused = await agent.get((await send(typed === undefined ? {} : { confirm_installed: typed })).headers.location!);
      expect(refused.text).toContain('1 of the 2 host(s) are installed: type 1 to delete them');
      await request(srv.url)
        .get(`/api/v1/hosts/${reg.body.id as string}`)
        .set(admin())
        .expect(200);
    }
    await send({ confirm_installed: '1' });
    await request(srv.url)
      .get(`/api/v1/hosts/${reg.body.id as string}`)
      .set(admin())
      .expect(404);
    await request(srv.url).get(`/api/v1/hosts/${ids[1]!}`).set(admin()).expect(404);
  });

  it('When an operator presses "apply the rules to the waiting hosts", then they are assigned and the list says so', async () => {
    await request(srv.url)
      .post('/api/v1/rules')
      .set(admin())
      .send({ name: 'small', expression: 'memory_mib < 20000', profile: 'bounce' })
      .expect(201);
    const { agent, csrf } = await webLogin(srv, 'opal', 'opal-password-123');
    const page = await agent.get('/hosts?state=discovered').expect(200);
    const waiting = Number(/Apply the rules to the <span data-live="waiting">(\d+)<\/span> waiting host/.exec(page.text)![1]);
    expect(waiting).toBeGreaterThan(0);
    const res = await agent.post('/hosts/auto-assign').type('form').send({ _csrf: csrf, query: 'state=discovered' }).expect(303);
    expect(res.headers.location).toMatch(/^\/hosts\?state=discovered&done=/);
    expect((await agent.get(res.headers.location!)).text).toMatch(/auto-assign: [^<]*\b\d+ assigned/);
  });

  it('When a viewer or an author posts a bulk action or the rules button, or a form comes without its CSRF token, then it is refused', async () => {
    for (const name of ['vic', 'ann']) {
      const { agent, csrf } = await webLogin(srv, name, `${name}-password-123`);
      const page = await agent.get('/hosts').expect(200);
      expect(page.text).not.toContain('name="bulk_action"');
      expect(page.text).not.toContain('action="/hosts/auto-assign"');
      const res = await agent
        .post('/hosts/bulk')
        .type('form')
        .send({ _csrf: csrf, ids: [ids[2]], bulk_action: 'delete', confirm: 'yes' });
      expect(res.status, name).toBe(403);
      expect((await agent.post('/hosts/auto-assign').type('form').send({ _csrf: csrf })).status).toBe(403);
    }
    const { agent } = await webLogin(srv, 'opal', 'opal-password-123');
    await agent
      .post('/hosts/bulk')
      .type('form')
      .send({ ids: [ids[2]], bulk_action: 'delete', confirm: 'yes' })
      .expect(403);
    await agent
      .post('/hosts/bulk')
      .type('form')
      .send({ _csrf: 'forged', ids: [ids[2]], bulk_action: 'delete', confirm: 'yes' })
      .expect(403);
    await request(srv.url).get(`/api/v1/hosts/${ids[2]!}`).set(admin()).expect(200);
    // The API: a viewer reads the list but cannot run the rules.
    await request(srv.url).get('/api/v1/hosts').query({ limit: 1 }).set(tokens.vic!).expect(200);
    await request(srv.url).post('/api/v1/hosts/auto-assign').set(tokens.vic!).expect(403);
    await request(srv.url).post('/api/v1/hosts/auto-assign').set(tokens.ann!).expect(403);
  });

  it('When the redirect target is tampered with, then it stays on /hosts with known parameters only', async () => {
    const { agent, csrf } = await webLogin(srv, 'opal', 'opal-password-123');
    const res = await agent
      .post('/hosts/bulk')
      .type('form')
      .send({ _csrf: csrf, query: 'state=failed&next=//evil.example/&x=1', ids: [ids[4]], bulk_action: 'assign', profile: 'bounce' })
      .expect(303);
    expect(res.headers.location).toMatch(/^\/hosts\?state=failed&done=[\w-]+$/);
  });
});
