// The audit trail: who changed what, with no secret in it.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
});
afterAll(async () => srv.stop());

describe('audit', () => {
  it('When people and rules change things, then each change is listed with who, what and on what — and no secret', async () => {
    const user = await request(srv.url).post('/api/v1/users').set(admin()).send({ name: 'ops', role: 'operator', password: 'ops-password-123' }).expect(201);
    const token = (await request(srv.url).post('/api/v1/users/ops/tokens').set(admin()).send({ name: 'ci' }).expect(201)).body.token as string;
    const ops = { Authorization: `Bearer ${token}` };
    await request(srv.url).post('/api/v1/profiles').set(ops).send({ name: 'bounce', action: 'reboot' }).expect(201);
    await request(srv.url).post('/api/v1/rules').set(ops).send({ name: 'all', expression: 'memory_mib > 1', profile: 'bounce', hostname_pattern: 'a-{{ seq(2) }}' }).expect(201);
    const manual = (await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201)).body.id as string;
    await request(srv.url).post(`/api/v1/hosts/${manual}/assignment`).set(ops).send({ action: 'reboot' }).expect(200);
    const byRule = (await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201)).body.id as string;
    await request(srv.url).post('/api/v1/hosts/auto-assign').set(ops).expect(200);
    await request(srv.url).patch('/api/v1/settings').set(ops).send({ auto_provision: true }).expect(200);
    await request(srv.url).delete(`/api/v1/hosts/${manual}`).set(ops).expect(204);

    const res = await request(srv.url).get('/api/v1/audit').set(ops).expect(200);
    const lines = (res.body.entries as { actor: string; action: string; target: string }[]).map((e) => `${e.actor} ${e.action} ${e.target}`).reverse();
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
