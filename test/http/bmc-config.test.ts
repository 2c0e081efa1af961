// The BMC configuration API against the real service: who may do what (viewer and author never write,
// an operator sets hosts' BMCs but not credential sets, a viewer sees no user), and that the literal
// passwords appear nowhere: API answers, the audit, the server's logs, the export file, the pages.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, registerMachine, webLogin } from '../support/sessions.js';
import { sampleFacts } from '../support/facts.js';
import { tempDir } from '../support/temp.js';
import { writeExportFile } from '../../src/store/export/write.js';
import { LowdbStore } from '../../src/store/file/lowdb-store.js';

const HOST_PASSWORD = 'h0st-Pa55word-zebra';
const SET_PASSWORD = 'set-Pa55word-giraffe';

let srv: TestServer;
let hostId: string;
const tokens: Record<string, string> = {};
const as = (role: string) => ({ Authorization: `Bearer ${role === 'admin' ? srv.adminToken : tokens[role]!}` });
const api = () => request(srv.url);
/** Every answer this file got, to search for the passwords at the end. */
const answers: string[] = [];
const seen = (res: request.Response) => {
  answers.push(res.text);
  return res;
};

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts'), env: { KICKSTAND_BMC_NETWORKS: '10.0.0.0/8' } });
  for (const role of ['operator', 'author', 'viewer']) {
    await createUser(srv, role, role, `${role}-password-123`);
    tokens[role] = (await api().post(`/api/v1/users/${role}/tokens`).set(as('admin')).send({ name: 'test' }).expect(201)).body.token;
  }
  hostId = (await registerMachine(srv.url, sampleFacts())).id;
});
afterAll(async () => {
  await srv.stop();
});

describe('BMC configuration API', () => {
  it('When an admin creates a credential set, then answers never carry its password, and operators read it without one', async () => {
    seen(await api().put('/api/v1/bmc-credentials/rack-a').set(as('admin')).send({ username: 'root', password: SET_PASSWORD }).expect(200));
    const list = seen(await api().get('/api/v1/bmc-credentials').set(as('operator')).expect(200));
    expect(list.body.credentials).toEqual([expect.objectContaining({ name: 'rack-a', username: 'root', has_password: true })]);
    expect(list.body.credentials[0]).not.toHaveProperty('password');
    seen(await api().get('/api/v1/bmc-credentials/rack-a').set(as('admin')).expect(200));
  });

  it('When a viewer or an author reads credential sets, or an operator, author or viewer writes one, then 403 and nothing changes', async () => {
    for (const role of ['viewer', 'author']) {
      await api().get('/api/v1/bmc-credentials').set(as(role)).expect(403);
      await api().get('/api/v1/bmc-credentials/rack-a').set(as(role)).expect(403);
    }
    for (const role of ['operator', 'author', 'viewer']) {
      await api().put('/api/v1/bmc-credentials/rack-a').set(as(role)).send({ username: 'evil', password: 'evil' }).expect(403);
      await api().put('/api/v1/bmc-credentials/rack-z').set(as(role)).send({ username: 'evil', password: 'evil' }).expect(403);
      await api().delete('/api/v1/bmc-credentials/rack-a?force=true').set(as(role)).expect(403);
    }
    const list = await api().get('/api/v1/bmc-credentials').set(as('admin')).expect(200);
    expect(list.body.credentials.map((c: { name: string; username: string }) => `${c.name}:${c.username}`)).toEqual(['rack-a:root']);
  });

  it('When an operator sets a host BMC, then the viewer sees driver, address, port and source only, and no answer has the password', async () => {
    const set = seen(
      await api()
        .put(`/api/v1/hosts/${hostId}/bmc`)
        .set(as('operator'))
        .send({ driver: 'ipmi', address: '10.0.0.5', port: 6230, username: 'bmcadmin', password: HOST_PASSWORD })
        .expect(200),
    );
    expect(set.body).toMatchObject({
      driver: 'ipmi',
      address: '10.0.0.5',
      username: 'bmcadmin',
      has_password: true,
      address_source: 'manual',
    });
    expect(set.body).not.toHaveProperty('password');
    const viewer = seen(await api().get(`/api/v1/hosts/${hostId}/bmc`).set(as('viewer')).expect(200));
    expect(viewer.body).toEqual({ driver: 'ipmi', address: '10.0.0.5', port: 6230, address_source: 'manual' });
    const author = seen(await api().get(`/api/v1/hosts/${hostId}/bmc`).set(as('author')).expect(200));
    expect(author.body).not.toHaveProperty('username');
    const operator = seen(await api().get(`/api/v1/hosts/${hostId}/bmc`).set(as('operator')).expect(200));
    expect(operator.body).toMatchObject({ username: 'bmcadmin', has_password: true });
    // The host's own answers show where the BMC is, for every role: never the user, never the sealed password.
    for (const role of ['viewer', 'admin']) {
      const one = seen(await api().get(`/api/v1/hosts/${hostId}`).set(as(role)).expect(200));
      const list = seen(await api().get('/api/v1/hosts').set(as(role)).expect(200));
      expect(one.body.bmc).toEqual({ driver: 'ipmi', address: '10.0.0.5', port: 6230, address_source: 'manual' });
      for (const res of [one, list]) {
        expect(res.text).not.toContain('bmcadmin');
        expect(res.text).not.toContain('kickstand-sealed');
      }
    }
  });

  it('When a viewer or an author writes a host BMC, then 403 and the stored BMC is unchanged', async () => {
    const before = (await api().get(`/api/v1/hosts/${hostId}/bmc`).set(as('admin')).expect(200)).body;
    for (const role of ['viewer', 'author']) {
      await api().put(`/api/v1/hosts/${hostId}/bmc`).set(as(role)).send({ driver: 'ipmi', address: '10.6.6.6' }).expect(403);
      await api().delete(`/api/v1/hosts/${hostId}/bmc`).set(as(role)).expect(403);
    }
    expect((await api().get(`/api/v1/hosts/${hostId}/bmc`).set(as('admin')).expect(200)).body).toEqual(before);
  });

  it('When a bad field is sent, then 400 names it and nothing stored is lost; a blank password keeps the stored one', async () => {
    const before = (await api().get(`/api/v1/hosts/${hostId}/bmc`).set(as('admin')).expect(200)).body;
    const bad = await api()
      .put(`/api/v1/hosts/${hostId}/bmc`)
      .set(as('operator'))
      .send({ driver: 'ipmi', address: '10.0.0.5 ; reboot' })
      .expect(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION', field: 'bmc.address' });
    const port = await api()
      .put(`/api/v1/hosts/${hostId}/bmc`)
      .set(as('operator'))
      .send({ driver: 'ipmi', address: '10.0.0.5', port: 70000 })
      .expect(400);
    expect(port.body.error.field).toBe('bmc.port');
    const ghost = await api()
      .put(`/api/v1/hosts/${hostId}/bmc`)
      .set(as('operator'))
      .send({ driver: 'ipmi', address: '10.0.0.5', credentials: 'ghost' })
      .expect(404);
    expect(ghost.body.error).toMatchObject({ code: 'CREDENTIALS_NOT_FOUND', field: 'bmc.credentials' });
    expect((await api().get(`/api/v1/hosts/${hostId}/bmc`).set(as('admin')).expect(200)).body).toEqual(before);
    const kept = seen(
      await api()
        .put(`/api/v1/hosts/${hostId}/bmc`)
        .set(as('operator'))
        .send({ driver: 'ipmi', address: '10.0.0.5', port: 6230, username: 'bmcadmin' })
        .expect(200),
    );
    expect(kept.body).toMatchObject({ address: '10.0.0.5', has_password: true });
    // The stored password was typed for 10.0.0.5:6230: another address must have it typed again.
    const moved = await api()
      .put(`/api/v1/hosts/${hostId}/bmc`)
      .set(as('operator'))
      .send({ driver: 'ipmi', address: '10.0.0.9', port: 6230, username: 'bmcadmin' })
      .expect(400);
    expect(moved.body.error).toMatchObject({ code: 'VALIDATION', field: 'bmc.password' });
    expect(moved.body.error.message).toContain('must be typed again');
  });

  it('When an operator points a BMC outside KICKSTAND_BMC_NETWORKS (an address or a DNS name), then 403 naming bmc.address and nothing changes; an admin may', async () => {
    const before = (await api().get(`/api/v1/hosts/${hostId}/bmc`).set(as('admin')).expect(200)).body;
    // An operator's own box, to collect the default set's password there: refused.
    for (const address of ['192.0.2.66', 'collector.example.com', '127.0.0.1']) {
      const res = await api()
        .put(`/api/v1/hosts/${hostId}/bmc`)
        .set(as('operator'))
        .send({ driver: 'redfish', address, verify_tls: false })
        .expect(403);
      expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', field: 'bmc.address' });
      expect(res.body.error.message).toContain('KICKSTAND_BMC_NETWORKS');
    }
    expect((await api().get(`/api/v1/hosts/${hostId}/bmc`).set(as('admin')).expect(200)).body).toEqual(before);
    await api()
      .put(`/api/v1/hosts/${hostId}/bmc`)
      .set(as('admin'))
      .send({ driver: 'ipmi', address: 'bmc-9.example.com', username: 'bmcadmin', password: HOST_PASSWORD })
      .expect(200);
    await api()
      .put(`/api/v1/hosts/${hostId}/bmc`)
      .set(as('operator'))
      .send({ driver: 'ipmi', address: '10.0.0.5', port: 6230, username: 'bmcadmin', password: HOST_PASSWORD })
      .expect(200);
  });

  it('When the default set or a profile set is named through the API, then an unknown one is refused naming its field, and a viewer cannot set it', async () => {
    const ghost = await api().patch('/api/v1/settings').set(as('operator')).send({ bmc_default_credentials: 'ghost' }).expect(404);
    expect(ghost.body.error).toMatchObject({ code: 'CREDENTIALS_NOT_FOUND', field: 'bmc_default_credentials' });
    await api().patch('/api/v1/settings').set(as('viewer')).send({ bmc_default_credentials: 'rack-a' }).expect(403);
    await api().patch('/api/v1/settings').set(as('operator')).send({ bmc_default_credentials: 'rack-a' }).expect(200);
    expect((await api().get('/api/v1/settings').set(as('viewer')).expect(200)).body.bmc_default_credentials).toBe('rack-a');
    await api().patch('/api/v1/settings').set(as('operator')).send({ bmc_default_credentials: '' }).expect(200);
    expect((await api().get('/api/v1/settings').set(as('viewer')).expect(200)).body).not.toHaveProperty('bmc_default_credentials');
    const profile = await api()
      .post('/api/v1/profiles')
      .set(as('operator'))
      .send({ name: 'p-ghost', action: 'reboot', bmc_credentials: 'ghost' })
      .expect(404);
    expect(profile.body.error.field).toBe('bmc_credentials');
    const ok = await api()
      .post('/api/v1/profiles')
      .set(as('operator'))
      .send({ name: 'p-rack', action: 'reboot', bmc_credentials: 'rack-a' })
      .expect(201);
    expect(ok.body.bmc_credentials).toBe('rack-a');
  });

  it('When a set is in use by a host, then deleting it is refused naming the host; force deletes it', async () => {
    seen(await api().put('/api/v1/bmc-credentials/rack-b').set(as('admin')).send({ username: 'root', password: SET_PASSWORD }).expect(200));
    const other = (await registerMachine(srv.url, sampleFacts({ boot_mac: '52:54:00:00:0b:01' }))).id;
    await api()
      .put(`/api/v1/hosts/${other}/bmc`)
      .set(as('admin'))
      .send({ driver: 'redfish', address: 'bmc-b.example.com', credentials: 'rack-b' })
      .expect(200);
    const refused = await api().delete('/api/v1/bmc-credentials/rack-b').set(as('admin')).expect(409);
    expect(refused.body.error.code).toBe('CREDENTIALS_IN_USE');
    expect(refused.body.error.message).toContain(`host ${other}`);
    await api().delete('/api/v1/bmc-credentials/rack-b?force=true').set(as('admin')).expect(204);
    await api().get('/api/v1/bmc-credentials/rack-b').set(as('admin')).expect(404);
    await api().delete(`/api/v1/hosts/${other}/bmc`).set(as('operator')).expect(204);
    await api().get(`/api/v1/hosts/${other}/bmc`).set(as('admin')).expect(404);
  });

  it('When everything above is done, then neither password is in any answer, the audit, the logs, an export or the pages', async () => {
    const audit = seen(await api().get('/api/v1/audit').set(as('admin')).expect(200));
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['bmc-credentials.create', 'host.bmc.set', 'host.bmc.clear', 'bmc-credentials.delete']),
    );
    // Every role reads the trail: the host BMC's user is not in it.
    expect(audit.text).not.toContain('bmcadmin');
    const logs = JSON.stringify(srv.logs);
    // The export: credential sets and host BMCs travel sealed, never in clear.
    const out = path.join(await tempDir('kickstand-bmc-export-'), 'export.jsonl');
    await srv.stop();
    const store = await LowdbStore.open(srv.dataDir);
    try {
      await writeExportFile(store, out, { source: 'test', secret_key_fingerprint: '0'.repeat(32) });
    } finally {
      await store.close();
    }
    const exported = await readFile(out, 'utf8');
    expect(exported).toContain('"type":"bmc_credentials"');
    expect(exported).toMatch(/"password":"kickstand-sealed:v1:/);
    srv = await startTestServer({
      templatesDir: path.resolve('test/fixtures/kickstarts'),
      dataDir: srv.dataDir,
      env: { KICKSTAND_BMC_NETWORKS: '10.0.0.0/8' },
    });
    const operator = await webLogin(srv, 'operator', 'operator-password-123');
    const pages = [
      (await operator.agent.get(`/hosts/${hostId}`).expect(200)).text,
      (await operator.agent.get('/bmc-credentials').expect(200)).text,
    ];
    for (const secret of [HOST_PASSWORD, SET_PASSWORD]) {
      for (const text of answers) expect(text).not.toContain(secret);
      expect(logs).not.toContain(secret);
      expect(exported).not.toContain(secret);
      for (const page of pages) expect(page).not.toContain(secret);
    }
  });
});
