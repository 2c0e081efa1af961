// The BMC address a machine reports is taken as the host's BMC address by itself only inside
// KICKSTAND_BMC_NETWORKS and when no other host has it; a hand-set BMC is never replaced
// (src/bmc/adopt.ts, docs/bmc.md#facts-what-the-machine-reports). Through the real service: registrations with facts.bmc.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adoptReportedBmc } from '../../src/bmc/adopt.js';
import type { BmcConfig } from '../../src/bmc/bmc.js';
import type { Host } from '../../src/hosts/host.js';
import { randomMac, sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const admin = (r: request.Test) => r.set('Authorization', `Bearer ${srv.adminToken}`);
interface TimelineEvent {
  type: string;
  actor: string;
  message: string;
}
interface HostDetail {
  id: string;
  bmc?: BmcConfig;
  summary: { bmc_ip?: string };
  events: TimelineEvent[];
}

beforeAll(async () => {
  srv = await startTestServer({ env: { KICKSTAND_BMC_NETWORKS: '10.1.0.0/16, 172.16.8.0/24' } });
});
afterAll(async () => srv.stop());

const bmcFacts = (ip: string, mac = randomMac()) =>
  sampleFacts({
    boot_mac: mac,
    bmc: {
      channel: 1,
      ip_source: 'static',
      ip,
      netmask: '255.255.0.0',
      gateway: '10.1.0.1',
      mac: '02:00:00:aa:bb:01',
      vlan: null,
      ipmi_version: '2.0',
    },
  });

async function register(facts: object): Promise<string> {
  const res = await request(srv.url).post('/api/v1/discovery').send(facts);
  expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
  return (res.body as { id: string }).id;
}

/** The host as the API shows it, with its BMC as stored: host answers show only where a BMC is
 *  (driver, address, port, source), and these tests check the whole record adoption leaves. */
async function detail(id: string): Promise<HostDetail> {
  const body = (await admin(request(srv.url).get(`/api/v1/hosts/${id}`)).expect(200)).body as HostDetail;
  const stored = await srv.running.deps.store.hosts.get(id);
  const { bmc: _shown, ...rest } = body;
  return { ...rest, ...(stored?.bmc ? { bmc: stored.bmc } : {}) };
}

/** Changes a stored host as another part of Kickstand would (the BMC form is not this branch's). */
async function edit(id: string, change: (h: Host) => Host): Promise<void> {
  const { deps } = srv.running;
  const saved = await deps.hostsLock.run(async () => {
    const h = (await deps.store.hosts.get(id))!;
    return { durable: deps.store.hosts.save(change({ ...h, events: [...h.events] })) };
  });
  await saved.durable;
}

const reported = (h: HostDetail) => h.events.filter((e) => e.type === 'bmc-reported').map((e) => e.message);

describe('registration takes a reported BMC address only where it is safe', () => {
  it('When a machine reports an address inside KICKSTAND_BMC_NETWORKS, then it becomes the host’s IPMI BMC, from facts', async () => {
    const id = await register(bmcFacts('10.1.20.31'));
    const host = await detail(id);
    expect(host.bmc).toEqual({
      driver: 'ipmi',
      address: '10.1.20.31',
      verify_tls: true,
      address_source: 'facts',
      updated_at: expect.any(String),
    });
    expect(host.summary.bmc_ip).toBe('10.1.20.31');
    expect(host.events.map((e) => e.type)).toEqual(['discovered', 'bmc-adopted']);
  });

  it('When the address is outside the networks, then the host gets no BMC and its timeline says why', async () => {
    const id = await register(bmcFacts('192.0.2.77'));
    const host = await detail(id);
    expect(host.bmc).toBeUndefined();
    expect(host.summary.bmc_ip).toBe('192.0.2.77'); // reported, shown, not used
    expect(reported(host)).toEqual([
      'BMC address 192.0.2.77 reported; not taken: outside KICKSTAND_BMC_NETWORKS (10.1.0.0/16, 172.16.8.0/24); an operator can adopt it',
    ]);
  });

  it('When a second machine reports an address another host has, then it is refused and the holder is named', async () => {
    const first = await register(bmcFacts('172.16.8.5'));
    const second = await register(bmcFacts('172.16.8.5'));
    expect((await detail(first)).bmc?.address).toBe('172.16.8.5');
    const host = await detail(second);
    expect(host.bmc).toBeUndefined();
    expect(reported(host)).toEqual([`BMC address 172.16.8.5 reported; not taken: host ${first} already has this BMC address`]);
  });

  it('When a host whose BMC came from facts reports another address, then the address is updated, its own user and password are dropped, and the rest is kept', async () => {
    const mac = randomMac();
    const id = await register(bmcFacts('10.1.5.5', mac));
    await edit(id, (h) => ({ ...h, bmc: { ...h.bmc!, username: 'root', credentials: 'rack-7', port: 6230 } }));
    await register(bmcFacts('10.1.5.6', mac));
    const host = await detail(id);
    expect(host.bmc).toMatchObject({ address: '10.1.5.6', address_source: 'facts', credentials: 'rack-7', port: 6230 });
    // A user (and password) typed for 10.1.5.5 is not sent to the address the machine reports now.
    expect(host.bmc?.username).toBeUndefined();
    expect(host.events.filter((e) => e.type === 'bmc-adopted').map((e) => e.message)).toEqual([
      'BMC address 10.1.5.5 taken from the facts',
      'BMC address 10.1.5.6 taken from the facts (was 10.1.5.5)',
    ]);
  });

  it('When a host has a BMC set by hand, then no report replaces it, inside the networks or not', async () => {
    const mac = randomMac();
    const id = await register(sampleFacts({ boot_mac: mac }));
    const manual: BmcConfig = {
      driver: 'redfish',
      address: 'bmc-7.example.com',
      verify_tls: true,
      address_source: 'manual',
      updated_at: '2026-01-01T00:00:00.000Z',
    };
    await edit(id, (h) => ({ ...h, bmc: manual }));
    await register(bmcFacts('10.1.9.9', mac));
    const host = await detail(id);
    expect(host.bmc).toEqual(manual);
    expect(reported(host)).toEqual(['BMC address 10.1.9.9 reported; not taken: the BMC address bmc-7.example.com was set by hand']);
  });

  it('When the same refused report comes at every boot, then the timeline says it once', async () => {
    const mac = randomMac();
    const id = await register(bmcFacts('198.51.100.1', mac));
    await register(bmcFacts('198.51.100.1', mac));
    await register(bmcFacts('198.51.100.1', mac));
    expect(reported(await detail(id))).toHaveLength(1);
  });

  it('When the channel has no address (0.0.0.0) or no BMC is reported, then nothing happens and no BMC IP is shown', async () => {
    const id = await register(bmcFacts('0.0.0.0'));
    const host = await detail(id);
    expect(host.bmc).toBeUndefined();
    expect(host.summary.bmc_ip).toBeUndefined();
    expect(host.events.map((e) => e.type)).toEqual(['discovered']);
  });

  it('When a BMC value is not of its shape, then the registration is refused naming the field', async () => {
    for (const [bmc, field] of [
      [{ ip: '10.1.2.3; reboot' }, 'bmc.ip'],
      [{ ip: '10.1.2.300' }, 'bmc.ip'],
      [{ gateway: '$(reboot)' }, 'bmc.gateway'],
      [{ vlan: 4095 }, 'bmc.vlan'],
      [{ manufacturer: 'x'.repeat(257) }, 'bmc.manufacturer'],
      [{ ip_source: 'magic' }, 'bmc.ip_source'],
      [{ password: 'calvin' }, 'bmc.password'],
    ] as const) {
      const res = await request(srv.url).post('/api/v1/discovery').send(sampleFacts({ bmc }));
      expect(res.status, JSON.stringify(bmc)).toBe(400);
      expect(res.body.error.field, JSON.stringify(res.body)).toBe(field);
    }
  });

  it('When the hosts table is searched or filtered by BMC address, then the reporting host is found', async () => {
    const id = await register(bmcFacts('10.1.77.7'));
    const byQ = (await admin(request(srv.url).get('/api/v1/hosts').query({ q: '10.1.77.7' })).expect(200)).body as {
      hosts: { id: string }[];
    };
    expect(byQ.hosts.map((h) => h.id)).toEqual([id]);
    const byWhere = (await admin(request(srv.url).get('/api/v1/hosts').query({ where: 'bmc.ip == "10.1.77.7"' })).expect(200)).body as {
      hosts: { id: string }[];
    };
    expect(byWhere.hosts.map((h) => h.id)).toEqual([id]);
  });
});

describe('adoptReportedBmc on its own', () => {
  const host = (bmc?: BmcConfig): Host => ({ id: 'h1', events: [], ...(bmc ? { bmc } : {}) }) as unknown as Host;
  const facts = { bmc: { ip: '10.1.0.9' } };

  it('When no networks are set (the default), then nothing is taken without an operator', () => {
    const h = host();
    adoptReportedBmc(h, facts, [], [], '2026-01-01T00:00:00.000Z', '192.0.2.1');
    expect(h.bmc).toBeUndefined();
    expect(h.events[0]?.message).toContain('outside KICKSTAND_BMC_NETWORKS (none set)');
  });

  it('When the host already has that address, then nothing changes and nothing is noted', () => {
    const bmc: BmcConfig = { driver: 'ipmi', address: '10.1.0.9', verify_tls: true, address_source: 'facts', updated_at: 'then' };
    const h = host(bmc);
    adoptReportedBmc(h, facts, [h], ['10.1.0.0/16'], 'now', '192.0.2.1');
    expect(h.bmc).toBe(bmc);
    expect(h.events).toEqual([]);
  });
});
