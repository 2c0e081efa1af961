// The expected-hosts API against the real service: import (CSV and JSON, dry run, bad rows named by
// line and column, re-import unchanged), export round trip, list/get/delete, and who may do what:
// viewers and authors read but never import, export or delete; an operator's BMC address stays inside
// KICKSTAND_BMC_NETWORKS; no secret param reaches anyone.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser } from '../support/sessions.js';

let srv: TestServer;
const tokens: Record<string, string> = {};
const as = (role: string) => ({ Authorization: `Bearer ${role === 'admin' ? srv.adminToken : tokens[role]!}` });
const api = () => request(srv.url);
const SECRET = 'pl41n-s3cret-never-shown';

const CSV = [
  'boot_mac,serial,hostname,profile,tags,provision,param.root_password,param.site',
  `52:54:00:aa:00:01,SN-A1,rack1-01,web,rack1 gpu,true,${SECRET},ams`,
  '52:54:00:aa:00:02,SN-A2,rack1-02,web,rack1,false,,ams',
  '',
].join('\r\n');

const importCsv = (body: string, role = 'admin', query = '') =>
  api().post(`/api/v1/expected-hosts/import${query}`).set(as(role)).set('Content-Type', 'text/csv').send(body);

beforeAll(async () => {
  srv = await startTestServer({ env: { KICKSTAND_BMC_NETWORKS: '10.0.0.0/8' } });
  for (const role of ['operator', 'author', 'viewer']) {
    await createUser(srv, role, role, `${role}-password-123`);
    tokens[role] = (await api().post(`/api/v1/users/${role}/tokens`).set(as('admin')).send({ name: 'test' }).expect(201)).body.token;
  }
  await api().post('/api/v1/profiles').set(as('admin')).send({ name: 'web', action: 'reboot' }).expect(201);
});
afterAll(async () => srv?.stop());

describe('expected-hosts API', () => {
  it('When an operator dry-runs then imports a CSV, then the plan names lines, nothing is saved by the dry run, and the import saves both rows', async () => {
    const dry = await importCsv(CSV, 'operator', '?dry_run=true').expect(200);
    expect(dry.body).toMatchObject({
      dry_run: true,
      created: [
        { line: 2, hostname: 'rack1-01' },
        { line: 3, hostname: 'rack1-02' },
      ],
      updated: [],
      unchanged: [],
    });
    expect((await api().get('/api/v1/expected-hosts').set(as('viewer')).expect(200)).body.expected_hosts).toEqual([]);

    const done = await importCsv(CSV, 'operator').expect(200);
    expect(done.body.created).toHaveLength(2);
    // A password given again is a change, never compared with the stored hash (no guessing oracle).
    const again = await importCsv(CSV, 'operator', '?dry_run=true').expect(200);
    expect(again.body).toMatchObject({ dry_run: true, created: [], updated: [{ line: 2, changes: ['params.root_password'] }] });
    expect(again.body.unchanged.map((e: { line: number }) => e.line)).toEqual([3]);
    const masked = await importCsv(CSV.replace(SECRET, '***'), 'operator').expect(200);
    expect(masked.body).toMatchObject({ dry_run: false, created: [], updated: [] });
    expect(masked.body.unchanged.map((e: { line: number }) => e.line)).toEqual([2, 3]);
    const audit = await api().get('/api/v1/audit?action=expected-hosts.import').set(as('admin')).expect(200);
    expect(JSON.stringify(audit.body)).toContain('2 created');
    expect(JSON.stringify(audit.body).match(/expected-hosts\.import/g)).toHaveLength(1);
  });

  it('When a viewer lists or reads expected hosts, then secret params are "***" and the answer never carries the secret', async () => {
    const list = await api().get('/api/v1/expected-hosts').set(as('viewer')).expect(200);
    expect(list.text).not.toContain(SECRET);
    const first = list.body.expected_hosts.find((r: { hostname: string }) => r.hostname === 'rack1-01');
    expect(first.params).toEqual({ root_password: '***', site: 'ams' });
    const one = await api().get(`/api/v1/expected-hosts/${first.id}`).set(as('author')).expect(200);
    expect(one.body).toMatchObject({ id: first.id, params: { root_password: '***' }, tags: ['rack1', 'gpu'], provision: true });
    await api().get('/api/v1/expected-hosts/eh-nope').set(as('viewer')).expect(404);
  });

  it('When a CSV has bad rows, then 400 IMPORT_INVALID lists each line and column, and nothing changes', async () => {
    const before = (await api().get('/api/v1/expected-hosts').set(as('admin'))).body;
    const bad = ['mac,hostname,profile', '52:54:00:aa:00:09,<script>alert(1)</script>,web', 'zz:zz,ok-name,missing', ''].join('\n');
    const res = await importCsv(bad).expect(400);
    expect(res.body.error).toMatchObject({ code: 'IMPORT_INVALID', field: 'body' });
    expect(res.body.error.errors).toEqual([
      expect.objectContaining({ line: 2, column: 'hostname', column_number: 2 }),
      expect.objectContaining({ line: 3, column: 'mac', column_number: 1 }),
      expect.objectContaining({
        line: 3,
        column: 'profile',
        column_number: 3,
        message: 'line 3, column 3 (profile): no profile named "missing"',
      }),
    ]);
    expect((await api().get('/api/v1/expected-hosts').set(as('admin'))).body).toEqual(before);
  });

  it('When a viewer or an author imports, exports or deletes, then 403 and nothing changes', async () => {
    const before = (await api().get('/api/v1/expected-hosts').set(as('admin'))).body;
    const id = before.expected_hosts[0].id;
    for (const role of ['viewer', 'author']) {
      await importCsv(CSV.replace('rack1-01', 'evil-01'), role).expect(403);
      await api().get('/api/v1/expected-hosts/export').set(as(role)).expect(403);
      await api().delete(`/api/v1/expected-hosts/${id}`).set(as(role)).expect(403);
    }
    await api().get('/api/v1/expected-hosts').expect(401);
    expect((await api().get('/api/v1/expected-hosts').set(as('admin'))).body).toEqual(before);
  });

  it('When an operator sets a BMC address outside KICKSTAND_BMC_NETWORKS, then it is refused naming the cell; inside, or by an admin, it is taken', async () => {
    const list = (address: string) => ['serial,bmc_driver,bmc_address', `SN-B1,ipmi,${address}`, ''].join('\n');
    const refused = await importCsv(list('192.0.2.50'), 'operator').expect(400);
    expect(refused.body.error.errors[0]).toMatchObject({ line: 2, column: 'bmc_address', column_number: 3 });
    expect(refused.body.error.errors[0].message).toContain('outside KICKSTAND_BMC_NETWORKS');
    await importCsv(list('10.2.0.50'), 'operator', '?dry_run=true').expect(200);
    await importCsv(list('192.0.2.50'), 'admin').expect(200);
  });

  it('When the list is exported as CSV and JSON, then it carries no secret and imports back unchanged', async () => {
    for (const format of ['csv', 'json']) {
      const exported = await api().get(`/api/v1/expected-hosts/export?format=${format}`).set(as('operator')).expect(200);
      expect(exported.text).not.toContain(SECRET);
      expect(exported.text).toContain('***');
      const back = await api()
        .post('/api/v1/expected-hosts/import')
        .set(as('operator'))
        .set('Content-Type', format === 'csv' ? 'text/csv' : 'application/json')
        .send(exported.text)
        .expect(200);
      expect([back.body.created, back.body.updated], format).toEqual([[], []]);
      expect(back.body.unchanged).toHaveLength(3);
    }
    await api().get('/api/v1/expected-hosts/export?format=xml').set(as('admin')).expect(400);
  });

  it('When JSON with prototype keys is imported, then they are refused by path; a wrong content type is 415; an oversized body 413', async () => {
    const res = await api()
      .post('/api/v1/expected-hosts/import')
      .set(as('admin'))
      .set('Content-Type', 'application/json')
      .send('[{"match":{"serial":"SN-P"},"constructor":{"prototype":{"x":1}},"params":{"constructor":1}}]')
      .expect(400);
    expect(res.body.error.errors.map((e: { message: string }) => e.message)).toEqual([
      expect.stringMatching(/^\[0\]\.constructor: unknown field/),
      '[0].params.constructor: "constructor" may not be a param name',
    ]);
    await api().post('/api/v1/expected-hosts/import').set(as('admin')).set('Content-Type', 'text/plain').send('x').expect(415);
    const big = await importCsv(`serial\n${'A'.repeat(8 * 1024 * 1024)}\n`).expect(413);
    expect(big.body.error.code).toBe('BODY_TOO_LARGE');
  });

  it('When an operator deletes an expected host, then it is gone and the trail says so; a second delete is 404', async () => {
    const id = (await api().get('/api/v1/expected-hosts').set(as('admin'))).body.expected_hosts[0].id;
    await api().delete(`/api/v1/expected-hosts/${id}`).set(as('operator')).expect(204);
    await api().get(`/api/v1/expected-hosts/${id}`).set(as('viewer')).expect(404);
    await api().delete(`/api/v1/expected-hosts/${id}`).set(as('operator')).expect(404);
    const audit = await api().get('/api/v1/audit?action=expected-host.delete').set(as('admin')).expect(200);
    expect(JSON.stringify(audit.body)).toContain(id);
  });
});
