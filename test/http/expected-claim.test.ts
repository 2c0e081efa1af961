// Choosing and detaching a host's expected-host record, by the API and the host page's form: who may
// (viewers and authors never), what is refused naming the field (unknown record, bad body, prototype
// keys, a record another host took, a host that is not waiting), CSRF on the form, and hostile record
// strings printed inert on the page.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExpectedHost } from '../../src/expected-hosts/expected-host.js';
import type { Host } from '../../src/hosts/host.js';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, webLogin } from '../support/sessions.js';

let srv: TestServer;
const tokens: Record<string, string> = {};
const as = (role: string) => ({ Authorization: `Bearer ${role === 'admin' ? srv.adminToken : tokens[role]!}` });
const api = () => request(srv.url);
const store = () => srv.running.deps.store;
const now = '2026-12-07T06:00:00.000Z';
let n = 0;

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  for (const role of ['operator', 'author', 'viewer']) {
    await createUser(srv, role, role, `${role}-password-123`);
    tokens[role] = (await api().post(`/api/v1/users/${role}/tokens`).set(as('admin')).send({ name: 'test' }).expect(201)).body.token;
  }
});
afterAll(async () => {
  await srv.stop();
});

async function record(extra: Partial<ExpectedHost> = {}): Promise<ExpectedHost> {
  n += 1;
  const r: ExpectedHost = {
    id: `eh-api-${n}`,
    match: { serial: `API-${n}` },
    provision: false,
    created_at: now,
    updated_at: now,
    ...extra,
  };
  await store().expectedHosts.save(r);
  return r;
}

/** A waiting host that two records matched: flagged, nothing applied. */
async function ambiguousHost(): Promise<{ host: Host; a: ExpectedHost; b: ExpectedHost }> {
  const serial = `AMB-${n}`;
  const a = await record({ match: { serial }, hostname: `amb-a-${n}`, tags: ['a'] });
  const b = await record({ match: { serial }, hostname: `amb-b-${n}` });
  const res = await api()
    .post('/api/v1/discovery')
    .send(sampleFacts({ dmi: { serial } }))
    .expect(201);
  const host = (await store().hosts.get(res.body.id as string))!;
  expect(host.expected_ambiguous?.ids).toEqual([a.id, b.id]);
  return { host, a, b };
}

describe('POST /api/v1/hosts/:id/expected', () => {
  it('When an operator chooses one of two ambiguous records, then it is applied, the ambiguity is gone, and the audit says who', async () => {
    const { host, a, b } = await ambiguousHost();
    const res = await api().post(`/api/v1/hosts/${host.id}/expected`).set(as('operator')).send({ id: b.id }).expect(200);
    expect(res.body).toMatchObject({ id: host.id, hostname: b.hostname, expected: { id: b.id, matched_by: ['serial'] } });
    expect(res.body).not.toHaveProperty('expected_ambiguous');
    expect(res.body).not.toHaveProperty('token_hash');
    expect((await store().expectedHosts.get(b.id))!.claimed_by).toBe(host.id);
    expect((await store().expectedHosts.get(a.id))!.claimed_by).toBeUndefined();
    const audit = (await api().get('/api/v1/audit').set(as('admin')).expect(200)).body.entries as {
      action: string;
      actor: string;
      target: string;
    }[];
    expect(audit).toContainEqual(expect.objectContaining({ action: 'host.expected.set', actor: 'operator', target: host.id }));
    // Choosing the other one now: the first goes back to the pool.
    await api().post(`/api/v1/hosts/${host.id}/expected`).set(as('admin')).send({ id: a.id }).expect(200);
    expect((await store().expectedHosts.get(b.id))!.claimed_by).toBeUndefined();
    expect((await store().expectedHosts.get(a.id))!.claimed_by).toBe(host.id);
  });

  it('When a viewer or an author chooses or detaches, then 403 and nothing changes', async () => {
    const { host, a } = await ambiguousHost();
    for (const role of ['viewer', 'author']) {
      await api().post(`/api/v1/hosts/${host.id}/expected`).set(as(role)).send({ id: a.id }).expect(403);
      await api().delete(`/api/v1/hosts/${host.id}/expected`).set(as(role)).expect(403);
    }
    await api().post(`/api/v1/hosts/${host.id}/expected`).send({ id: a.id }).expect(401);
    const after = (await store().hosts.get(host.id))!;
    expect(after.expected).toBeUndefined();
    expect(after.expected_ambiguous).toEqual(host.expected_ambiguous);
  });

  it('When the record does not exist, then 404 EXPECTED_HOST_NOT_FOUND naming id; an unknown host is HOST_NOT_FOUND', async () => {
    const { host } = await ambiguousHost();
    const res = await api().post(`/api/v1/hosts/${host.id}/expected`).set(as('operator')).send({ id: 'eh-nope' }).expect(404);
    expect(res.body.error).toMatchObject({ code: 'EXPECTED_HOST_NOT_FOUND', field: 'id' });
    const missing = await api().post('/api/v1/hosts/h-nope/expected').set(as('operator')).send({ id: 'eh-nope' }).expect(404);
    expect(missing.body.error.code).toBe('HOST_NOT_FOUND');
  });

  it('When the body is wrong or carries prototype keys, then 400 naming the field and nothing changes', async () => {
    const { host, a } = await ambiguousHost();
    const cases: [string, string][] = [
      [JSON.stringify({ id: 5 }), 'id'],
      [JSON.stringify({ id: '../../etc' }), 'id'],
      [JSON.stringify({ id: a.id, force: 'yes' }), 'force'],
      [JSON.stringify({ id: a.id, hostname: 'evil' }), 'hostname'],
      [`{"__proto__": {"force": true}, "id": "${a.id}"}`, '__proto__'],
      [`{"constructor": {"prototype": {"x": 1}}, "id": "${a.id}"}`, 'constructor'],
    ];
    for (const [body, field] of cases) {
      const res = await api()
        .post(`/api/v1/hosts/${host.id}/expected`)
        .set(as('operator'))
        .set('Content-Type', 'application/json')
        .send(body);
      expect(res.status, body).toBe(400);
      expect(res.body.error, body).toMatchObject({ code: 'VALIDATION', field });
    }
    expect(({} as Record<string, unknown>).force).toBeUndefined();
    expect((await store().hosts.get(host.id))!.expected).toBeUndefined();
    expect((await store().expectedHosts.get(a.id))!.claimed_by).toBeUndefined();
  });

  it('When the record was taken by another host, then 409 EXPECTED_HOST_CLAIMED; with force it moves, with its hostname from a waiting host', async () => {
    const r = await record({ hostname: `moved-${n}` });
    const first = (
      await api()
        .post('/api/v1/discovery')
        .send(sampleFacts({ dmi: { serial: r.match.serial } }))
        .expect(201)
    ).body.id as string;
    expect((await store().hosts.get(first))!.hostname).toBe(r.hostname);
    const other = (await api().post('/api/v1/discovery').send(sampleFacts()).expect(201)).body.id as string;
    const refused = await api().post(`/api/v1/hosts/${other}/expected`).set(as('operator')).send({ id: r.id }).expect(409);
    expect(refused.body.error).toMatchObject({ code: 'EXPECTED_HOST_CLAIMED', field: 'id' });
    expect(refused.body.error.message).toContain(first);
    await api().post(`/api/v1/hosts/${other}/expected`).set(as('operator')).send({ id: r.id, force: true }).expect(200);
    const was = (await store().hosts.get(first))!;
    expect(was.expected).toBeUndefined();
    expect(was.hostname).toBeUndefined();
    expect(was.events.at(-1)).toMatchObject({ type: 'expected-detached', actor: 'operator' });
    expect((await store().hosts.get(other))!.hostname).toBe(r.hostname);
    expect((await store().expectedHosts.get(r.id))!.claimed_by).toBe(other);
  });

  it('When the host is not waiting, then 409 INVALID_TRANSITION and nothing changes', async () => {
    const r = await record({ hostname: `late-${n}` });
    const id = (await api().post('/api/v1/discovery').send(sampleFacts()).expect(201)).body.id as string;
    await api()
      .post('/api/v1/profiles')
      .set(as('admin'))
      .send({ name: `bounce-${n}`, action: 'reboot' })
      .expect(201);
    await api()
      .post(`/api/v1/hosts/${id}/assignment`)
      .set(as('admin'))
      .send({ profile: `bounce-${n}` })
      .expect(200);
    const res = await api().post(`/api/v1/hosts/${id}/expected`).set(as('operator')).send({ id: r.id }).expect(409);
    expect(res.body.error.code).toBe('INVALID_TRANSITION');
    expect((await store().expectedHosts.get(r.id))!.claimed_by).toBeUndefined();
  });
});

describe('DELETE /api/v1/hosts/:id/expected', () => {
  it('When an operator detaches, then the record is free, what it gave stays, and a second detach is 404', async () => {
    const r = await record({ hostname: `detach-${n}`, tags: ['kept'] });
    const id = (
      await api()
        .post('/api/v1/discovery')
        .send(sampleFacts({ dmi: { serial: r.match.serial } }))
        .expect(201)
    ).body.id as string;
    await api().delete(`/api/v1/hosts/${id}/expected`).set(as('operator')).expect(204);
    const host = (await store().hosts.get(id))!;
    expect(host.expected).toBeUndefined();
    expect(host.hostname).toBe(r.hostname);
    expect(host.tags).toEqual(['kept']);
    expect((await store().expectedHosts.get(r.id))!.claimed_by).toBeUndefined();
    const again = await api().delete(`/api/v1/hosts/${id}/expected`).set(as('operator')).expect(404);
    expect(again.body.error).toMatchObject({ code: 'NOT_FOUND', field: 'expected' });
  });
});

describe('the host page', () => {
  it('When a host is ambiguous, then the page lists the records inertly and an operator chooses one with the form (CSRF checked)', async () => {
    const { host, a, b } = await ambiguousHost();
    // A hostile record (a hand-edited store): its strings are text on the page, never markup.
    await store().expectedHosts.save({ ...a, hostname: '<img src=x onerror=alert(1)>', tags: ['"><script>alert(1)</script>'] });
    const { agent, csrf } = await webLogin(srv, 'operator', 'operator-password-123');
    const page = (await agent.get(`/hosts/${host.id}`).expect(200)).text;
    expect(page).toContain('id="expected-ambiguous"');
    expect(page).toContain(`value="${a.id}"`);
    expect(page).toContain(`value="${b.id}"`);
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('&lt;img src=x');

    await agent.post(`/hosts/${host.id}/expected`).type('form').send({ record: b.id }).expect(403);
    await agent.post(`/hosts/${host.id}/expected`).type('form').send({ _csrf: 'wrong', record: b.id }).expect(403);
    expect((await store().hosts.get(host.id))!.expected).toBeUndefined();

    const unknown = await agent.post(`/hosts/${host.id}/expected`).type('form').send({ _csrf: csrf, record: 'eh-none' }).expect(404);
    expect(unknown.text).toContain('id="error-expected"');
    expect(unknown.text).toContain('no expected-host record with id');

    await agent.post(`/hosts/${host.id}/expected`).type('form').send({ _csrf: csrf, record: b.id }).expect(303);
    const after = (await store().hosts.get(host.id))!;
    expect(after.expected?.id).toBe(b.id);
    const shown = (await agent.get(`/hosts/${host.id}`).expect(200)).text;
    expect(shown).toContain('id="expected-record"');
    expect(shown).not.toContain('id="expected-ambiguous"');

    await agent.post(`/hosts/${host.id}/expected/detach`).type('form').send({ _csrf: csrf }).expect(303);
    expect((await store().hosts.get(host.id))!.expected).toBeUndefined();
  });

  it('When a viewer posts the forms, then 403 and the page shows no form', async () => {
    const { host, a } = await ambiguousHost();
    await createUser(srv, 'viewer2', 'viewer', 'viewer2-password-123');
    const { agent, csrf } = await webLogin(srv, 'viewer2', 'viewer2-password-123');
    const page = (await agent.get(`/hosts/${host.id}`).expect(200)).text;
    expect(page).toContain('id="expected-ambiguous"');
    expect(page).not.toContain('id="expected-choose"');
    await agent.post(`/hosts/${host.id}/expected`).type('form').send({ _csrf: csrf, record: a.id }).expect(403);
    await agent.post(`/hosts/${host.id}/expected/detach`).type('form').send({ _csrf: csrf }).expect(403);
    expect((await store().hosts.get(host.id))!.expected_ambiguous).toBeDefined();
  });
});

describe('the hosts filter', () => {
  it('When the table is filtered by expected and expected_ambiguous, then the hosts that took that record and the flagged ones are listed', async () => {
    const r = await record();
    const took = (
      await api()
        .post('/api/v1/discovery')
        .send(sampleFacts({ dmi: { serial: r.match.serial } }))
        .expect(201)
    ).body.id as string;
    const { host } = await ambiguousHost();
    const q = async (where: string) =>
      ((await api().get('/api/v1/hosts').query({ where }).set(as('viewer')).expect(200)).body.hosts as Host[]).map((h) => h.id);
    expect(await q(`expected == "${r.id}"`)).toEqual([took]);
    const flagged = await q('expected_ambiguous');
    expect(flagged).toContain(host.id);
    expect(flagged).not.toContain(took);
  });
});
