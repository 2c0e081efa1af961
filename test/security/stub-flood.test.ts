// Attack: about 100 GET /ks carrying a host's MAC in X-RHN-Provisioning-MAC-0 pushed every real event
// (the assignment, who made it, from which IP) off that host's timeline. Now a stub sighting is noted
// at most once per host a minute, sightings and other chatty events have their own small cap and go
// first, and GET /ks is limited per client (KICKSTAND_KS_LIMIT) — by skipping the note, never by
// refusing the stub, which dracut must always get at once.
import http from 'node:http';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHATTY_EVENTS, MAX_CHATTY_EVENTS } from '../../src/hosts/host.js';
import type { HostEvent } from '../../src/hosts/host.js';
import { sampleFacts } from '../support/facts.js';
import { registerMachine } from '../support/sessions.js';
import { startTestServer, type TestServer } from '../support/server.js';

const servers: TestServer[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const s of servers.splice(0)) await s.stop();
});

async function service(ksLimit: string): Promise<TestServer> {
  const srv = await startTestServer({ env: { KICKSTAND_KS_LIMIT: ksLimit } });
  servers.push(srv);
  return srv;
}

const fetchStub = (srv: TestServer, mac: string) =>
  request(srv.url).get('/ks').set('X-RHN-Provisioning-MAC-0', `eth0 ${mac}`).set('X-Anaconda-System-Release', 'Red Hat Enterprise Linux');

/** GET /ks from another loopback address (Linux answers all of 127/8): another client IP. */
function fetchStubFrom(localAddress: string, srv: TestServer, mac: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${srv.url}/ks`, { localAddress, headers: { 'X-RHN-Provisioning-MAC-0': `eth0 ${mac}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
  });
}

async function eventsOf(srv: TestServer, id: string): Promise<HostEvent[]> {
  // Notes are written under the hosts lock after the answer: once the lock is free, all are in.
  await srv.running.deps.hostsLock.run(() => undefined);
  return (await srv.running.deps.store.hosts.get(id))!.events;
}
const sightings = (events: HostEvent[]) => events.filter((e) => e.type === 'stub-fetched');
const kept = (events: HostEvent[]) => events.filter((e) => !CHATTY_EVENTS.has(e.type));

/** A host with a real history: discovered, assigned by an admin, delivered, installing. */
async function hostWithHistory(srv: TestServer, mac: string) {
  const reg = await registerMachine(srv.url, sampleFacts({ boot_mac: mac }));
  await request(srv.url)
    .post(`/api/v1/hosts/${reg.id}/assignment`)
    .set('Authorization', `Bearer ${srv.adminToken}`)
    .send({ action: 'reboot' })
    .expect(200);
  await request(srv.url).get(`/api/v1/discovery/${reg.id}/next`).set('Authorization', `Bearer ${reg.token}`).expect(200);
  await request(srv.url)
    .post(`/api/v1/discovery/${reg.id}/events`)
    .set('Authorization', `Bearer ${reg.token}`)
    .send({ stage: 'installing' })
    .expect((r) => expect(r.status).toBeLessThan(300));
  const before = await eventsOf(srv, reg.id);
  expect(before.map((e) => e.type)).toEqual(expect.arrayContaining(['discovered', 'assigned']));
  expect(before.length).toBeGreaterThanOrEqual(4);
  return { id: reg.id, before };
}

describe('a host’s timeline under a flood of GET /ks with its MAC', () => {
  it('When 150 stubs are fetched over ten minutes, then one sighting a minute is noted, written once a minute, and every assignment, delivery and state event stays', async () => {
    const srv = await service('0'); // no per-client limit: this is about the timeline itself
    const mac = '52:54:00:00:4d:01';
    const { id, before } = await hostWithHistory(srv, mac);
    const saves = vi.spyOn(srv.running.deps.store.hosts, 'save');

    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2026-12-01T10:00:00Z');
    for (let minute = 0; minute < 10; minute++) {
      vi.setSystemTime(t0 + minute * 60_000 + 1_000);
      for (let i = 0; i < 15; i++) {
        vi.setSystemTime(Date.now() + 1_000);
        expect((await fetchStub(srv, mac)).status).toBe(200);
      }
    }
    const after = await eventsOf(srv, id);
    expect(sightings(after)).toHaveLength(10);
    expect(new Set(sightings(after).map((e) => e.at.slice(0, 16))).size, 'one per minute').toBe(10);
    expect(saves.mock.calls.length, 'a fetch that notes nothing writes nothing').toBe(10);
    expect(kept(after)).toEqual(kept(before));
    expect(sightings(after)[0]).toMatchObject({
      actor: 'machine',
      ip: '127.0.0.1',
      message: 'stub kickstart fetched by Red Hat Enterprise Linux',
    });
  });

  it('When sightings keep coming for hours, then they are capped on their own and the oldest go first; what matters is never pushed out', async () => {
    const srv = await service('0');
    const mac = '52:54:00:00:4d:02';
    const { id, before } = await hostWithHistory(srv, mac);
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2026-12-01T12:00:00Z');
    for (let minute = 0; minute < 120; minute++) {
      vi.setSystemTime(t0 + minute * 61_000);
      await fetchStub(srv, mac).expect(200);
    }
    const after = await eventsOf(srv, id);
    expect(sightings(after)).toHaveLength(MAX_CHATTY_EVENTS);
    expect(sightings(after).at(-1)!.at).toBe(new Date(t0 + 119 * 61_000).toISOString());
    expect(kept(after)).toEqual(kept(before));
    // And the host page shows them, in order.
    const shown = (await request(srv.url).get(`/api/v1/hosts/${id}`).set('Authorization', `Bearer ${srv.adminToken}`).expect(200)).body
      .events as HostEvent[];
    expect(kept(shown).map((e) => e.type)).toEqual(kept(before).map((e) => e.type));
  });
});

describe('KICKSTAND_KS_LIMIT', () => {
  it('When one client fetches past its limit, then it still gets the same stub at once, with no refusal and no Retry-After, only the sighting is not noted; another client is noted', async () => {
    const srv = await service('2');
    const hosts = [];
    for (const mac of ['52:54:00:00:4d:11', '52:54:00:00:4d:12', '52:54:00:00:4d:13'])
      hosts.push({ mac, id: (await registerMachine(srv.url, sampleFacts({ boot_mac: mac }))).id });
    const plain = (await request(srv.url).get('/ks?').set('X-Unrelated', '1')).text;

    const answers = [];
    for (const h of hosts) {
      const started = performance.now();
      const res = await fetchStub(srv, h.mac);
      answers.push({ status: res.status, body: res.text, retryAfter: res.headers['retry-after'], ms: performance.now() - started });
    }
    for (const a of answers) {
      expect(a).toMatchObject({ status: 200, retryAfter: undefined });
      expect(a.body).toBe(plain);
      expect(a.ms, 'answered at once').toBeLessThan(1000);
    }
    // The plain fetch above was the first of this client's 2; the first host's fetch the second.
    expect(sightings(await eventsOf(srv, hosts[0]!.id))).toHaveLength(1);
    expect(sightings(await eventsOf(srv, hosts[1]!.id))).toHaveLength(0);
    expect(sightings(await eventsOf(srv, hosts[2]!.id))).toHaveLength(0);

    const other = await fetchStubFrom('127.0.0.2', srv, hosts[2]!.mac);
    expect(other).toEqual({ status: 200, body: plain });
    const noted = sightings(await eventsOf(srv, hosts[2]!.id));
    expect(noted).toHaveLength(1);
    expect(noted[0]!.ip).toBe('127.0.0.2');
  });

  it('When it is unset, then 120 a minute; when 0, then off; when not a whole number, then the service refuses to start naming it', async () => {
    const { ConfigError, loadConfig } = await import('../../src/config.js');
    expect(loadConfig({}).ksLimit).toBe(120);
    expect(loadConfig({ KICKSTAND_KS_LIMIT: '0' }).ksLimit).toBe(0);
    expect(loadConfig({ KICKSTAND_KS_LIMIT: '600' }).ksLimit).toBe(600);
    for (const bad of ['-1', 'many', '2.5', '2000000']) {
      expect(() => loadConfig({ KICKSTAND_KS_LIMIT: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ KICKSTAND_KS_LIMIT: bad })).toThrow(`KICKSTAND_KS_LIMIT="${bad}"`);
    }
  });
});
