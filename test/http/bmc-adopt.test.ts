// POST /api/v1/hosts/:id/bmc/adopt: an operator takes the BMC address a host's facts report, outside
// KICKSTAND_BMC_NETWORKS too, never one another host has; power:write only, audited, no password out.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BmcConfig } from '../../src/bmc/bmc.js';
import type { Host } from '../../src/hosts/host.js';
import { randomMac, sampleFacts } from '../support/facts.js';
import { createUser } from '../support/sessions.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const tokens: Record<string, string> = {};
const as = (who: string, r: request.Test) => r.set('Authorization', `Bearer ${who === 'admin' ? srv.adminToken : tokens[who]}`);
const adopt = (who: string, id: string) => as(who, request(srv.url).post(`/api/v1/hosts/${id}/bmc/adopt`));

beforeAll(async () => {
  // No networks: nothing is taken at registration, everything waits for an operator.
  srv = await startTestServer();
  for (const role of ['viewer', 'author', 'operator']) {
    await createUser(srv, role, role, `${role}-password-123`);
    const res = await as('admin', request(srv.url).post(`/api/v1/users/${role}/tokens`)).send({ name: 't' });
    tokens[role] = (res.body as { token: string }).token;
  }
});
afterAll(async () => srv.stop());

async function register(bmcIp?: string): Promise<string> {
  const facts = sampleFacts({ boot_mac: randomMac(), ...(bmcIp ? { bmc: { channel: 1, ip: bmcIp, ipmi_version: '2.0' } } : {}) });
  const res = await request(srv.url).post('/api/v1/discovery').send(facts);
  expect([200, 201]).toContain(res.status);
  return (res.body as { id: string }).id;
}

async function stored(id: string): Promise<Readonly<Host>> {
  return (await srv.running.deps.store.hosts.get(id))!;
}

async function setBmc(id: string, bmc: BmcConfig): Promise<void> {
  const { deps } = srv.running;
  const saved = await deps.hostsLock.run(async () => {
    const h = (await deps.store.hosts.get(id))!;
    return { durable: deps.store.hosts.save({ ...h, events: [...h.events], bmc }) };
  });
  await saved.durable;
}

describe('who may adopt', () => {
  it('When the tokens were made, then each role has one (the tests below would prove nothing otherwise)', () => {
    expect(Object.keys(tokens).every((k) => /\S{16,}/.test(tokens[k]!))).toBe(true);
  });

  it('When a viewer or an author adopts, then 403 naming power:write, and the host is unchanged', async () => {
    const id = await register('192.0.2.50');
    for (const who of ['viewer', 'author']) {
      const res = await adopt(who, id).expect(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
      expect(res.body.error.message).toContain('power:write');
    }
    expect((await stored(id)).bmc).toBeUndefined();
  });

  it('When nobody is signed in, then 401', async () => {
    const id = await register('192.0.2.51');
    await request(srv.url).post(`/api/v1/hosts/${id}/bmc/adopt`).expect(401);
  });
});

describe('adopting', () => {
  it('When an operator adopts an address outside the networks, then it is the host’s IPMI BMC from facts, and it is audited', async () => {
    const id = await register('192.0.2.60');
    const res = await adopt('operator', id).expect(200);
    expect(res.body).toEqual({
      id,
      bmc: {
        driver: 'ipmi',
        address: '192.0.2.60',
        verify_tls: true,
        address_source: 'facts',
        updated_at: expect.any(String),
        has_password: false,
      },
    });
    const host = await stored(id);
    expect(host.bmc?.address).toBe('192.0.2.60');
    expect(host.events.at(-1)).toMatchObject({
      type: 'bmc-adopted',
      actor: 'operator',
      message: 'BMC address 192.0.2.60 adopted from the facts',
    });
    const audit = await as('admin', request(srv.url).get('/api/v1/audit').query({ action: 'host.bmc.adopt', target: id })).expect(200);
    expect(audit.body.entries).toEqual([
      expect.objectContaining({ actor: 'operator', action: 'host.bmc.adopt', target: id, detail: 'address 192.0.2.60' }),
    ]);
  });

  it('When the host has a hand-set BMC with a password, then the operator’s adoption replaces the address, the password typed for the old address is not carried to the new one, and none comes out', async () => {
    const id = await register('192.0.2.61');
    const sealed = 'kickstand-sealed:v1:not-a-real-seal-but-secret-looking';
    await setBmc(id, {
      driver: 'redfish',
      address: 'old-bmc.example.com',
      username: 'root',
      password: sealed,
      verify_tls: false,
      address_source: 'manual',
      updated_at: '2026-01-01T00:00:00.000Z',
    });
    const res = await adopt('admin', id).expect(200);
    expect(res.body.bmc).toMatchObject({
      driver: 'redfish',
      address: '192.0.2.61',
      verify_tls: false,
      address_source: 'facts',
      has_password: false,
    });
    expect(res.body.bmc.username).toBeUndefined();
    expect(res.text).not.toContain(sealed);
    // Credentials typed for one address never follow a machine's report to another.
    expect((await stored(id)).bmc?.password).toBeUndefined();
    const audit = await as('admin', request(srv.url).get('/api/v1/audit').query({ action: 'host.bmc.adopt', target: id })).expect(200);
    expect(audit.body.entries[0].detail).toBe('address 192.0.2.61 (was old-bmc.example.com, from manual)');
    expect(JSON.stringify(audit.body)).not.toContain(sealed);
    expect(JSON.stringify(srv.logs)).not.toContain(sealed);
  });

  it('When another host has the reported address, then 409 BMC_ADDRESS_TAKEN names that host, and nothing changes', async () => {
    const holder = await register('192.0.2.70');
    await adopt('operator', holder).expect(200);
    const id = await register('192.0.2.70');
    const res = await adopt('operator', id).expect(409);
    expect(res.body.error).toMatchObject({ code: 'BMC_ADDRESS_TAKEN', field: 'address' });
    expect(res.body.error.message).toContain(holder);
    expect((await stored(id)).bmc).toBeUndefined();
    const audit = await as('admin', request(srv.url).get('/api/v1/audit').query({ action: 'host.bmc.adopt', target: id })).expect(200);
    expect(audit.body.entries).toEqual([]);
  });

  it('When the facts report no BMC, or 0.0.0.0, then 409 BMC_NOT_REPORTED', async () => {
    for (const ip of [undefined, '0.0.0.0']) {
      const res = await adopt('operator', await register(ip)).expect(409);
      expect(res.body.error.code).toBe('BMC_NOT_REPORTED');
    }
  });

  it('When the host does not exist, then 404 HOST_NOT_FOUND', async () => {
    const res = await adopt('operator', 'nosuchhost12').expect(404);
    expect(res.body.error.code).toBe('HOST_NOT_FOUND');
  });
});
