// Issue 13 item 2, "a machine cannot claim another host's identity": the attacks as they were found on
// main (a boot MAC in another case, a DMI UUID with another MAC, against assigned, provisioning and
// installed hosts), the claim's 409 on both poll paths, release by API and by silence, and boot keys.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config.js';
import { randomMac, sampleFacts } from '../support/facts.js';
import { createUser } from '../support/sessions.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const admin = (r: request.Test) => r.set('Authorization', `Bearer ${srv.adminToken}`);
interface Reg {
  id: string;
  token: string;
  next: string;
  events: string;
}
interface TimelineEvent {
  type: string;
  actor: string;
  ip?: string;
  message: string;
}
type Facts = ReturnType<typeof sampleFacts>;

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
});
afterAll(async () => srv.stop());

async function registerAt(s: TestServer, facts: object, key?: string): Promise<Reg> {
  const r = request(s.url).post('/api/v1/discovery');
  if (key !== undefined) r.set('X-Kickstand-Boot-Key', key);
  const res = await r.send(facts);
  expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
  return res.body as Reg;
}
const register = (facts: object, key?: string) => registerAt(srv, facts, key);
const pollVia = (target: string | TestServer['running']['app'], reg: Reg, token = reg.token) =>
  request(target).get(`/api/v1/discovery/${reg.id}/next`).set('Authorization', `Bearer ${token}`);
const poll = (reg: Reg, token = reg.token) => pollVia(srv.url, reg, token);
const hostOf = async (id: string, s = srv) =>
  (await request(s.url).get(`/api/v1/hosts/${id}`).set('Authorization', `Bearer ${s.adminToken}`).expect(200)).body;
const assign = (id: string, s = srv) =>
  request(s.url)
    .post(`/api/v1/hosts/${id}/assignment`)
    .set('Authorization', `Bearer ${s.adminToken}`)
    .send({ action: 'kickstart', template: 'plain.ks.njk', hostname: `h-${id}.example.com` })
    .expect(200);

/** A machine in `state`, with its registration and facts. */
async function hostIn(state: 'assigned' | 'provisioning' | 'installed', s = srv): Promise<{ reg: Reg; facts: Facts }> {
  const facts = sampleFacts();
  const reg = await registerAt(s, facts);
  await assign(reg.id, s);
  if (state !== 'assigned') await pollVia(s.url, reg).expect(200);
  if (state === 'installed')
    await request(s.url)
      .post(`/api/v1/discovery/${reg.id}/events`)
      .set('Authorization', `Bearer ${reg.token}`)
      .send({ stage: 'installed' })
      .expect(200);
  return { reg, facts };
}

/** The rogue's facts: another machine (own NICs, own UUID) that claims `mac` as its boot MAC. */
function rogueWithMac(mac: string): Facts {
  return sampleFacts({ boot_mac: mac, nics: [{ name: 'eth0', mac, boot: true }] });
}

/** The rogue copies only the DMI UUID; its boot MAC is its own. */
function rogueWithUuid(facts: Facts): Facts {
  const own = randomMac();
  return sampleFacts({ boot_mac: own, nics: [{ name: 'eth0', mac: own, boot: true }], dmi: { uuid: facts.dmi.uuid } });
}

describe('a registration that claims an assigned host', () => {
  it('When a rogue registers with the boot MAC in upper case, then it gets a claim: the original still polls and gets the kickstart, the rogue gets 409 IDENTITY_CONFLICT on both poll paths, and the timeline shows both with their IPs', async () => {
    const { reg, facts } = await hostIn('assigned');
    const before = await hostOf(reg.id);
    const rogue = await register(rogueWithMac(facts.boot_mac.toUpperCase()));
    expect(rogue.id).toBe(reg.id);
    expect(rogue.token).not.toBe(reg.token);

    let h = await hostOf(reg.id);
    expect(h.state).toBe('assigned');
    expect(h.conflict).toMatchObject({ ip: '127.0.0.1', boot_mac: facts.boot_mac, matched_by: 'boot_mac', reason: 'the host is assigned' });
    expect(h.conflict.claim_hash).toBeUndefined();
    expect(h.events.at(-1)).toMatchObject({ type: 'identity-conflict', actor: 'machine', ip: '127.0.0.1' });
    expect(h.events.some((e: TimelineEvent) => e.type === 'discovered' && e.ip === '127.0.0.1')).toBe(true);
    // Nothing of the host was taken over.
    expect(h.summary).toEqual(before.summary);
    expect(h.facts).toEqual(before.facts);

    // The claim is refused through the server (fast path) and through express alone, with one body.
    const viaServer = await poll(rogue).expect(409);
    const viaExpress = await pollVia(srv.running.app, rogue).expect(409);
    expect(viaServer.body.error.code).toBe('IDENTITY_CONFLICT');
    expect(viaExpress.body).toEqual(viaServer.body);
    expect(viaServer.text).not.toContain('network');
    // The rogue cannot report install events with its claim either.
    await request(srv.url)
      .post(`/api/v1/discovery/${reg.id}/events`)
      .set('Authorization', `Bearer ${rogue.token}`)
      .send({ stage: 'failed' })
      .expect(401);

    // The original token was not killed and gets its answer.
    const answer = await poll(reg).expect(200);
    expect(answer.headers['x-kickstand-action']).toBe('kickstart');
    await poll(rogue).expect(409);
    h = await hostOf(reg.id);
    expect(h.state).toBe('provisioning');
    expect(h.events.filter((e: TimelineEvent) => e.type === 'conflict-refused')).toHaveLength(1);
    expect(h.events.find((e: TimelineEvent) => e.type === 'conflict-refused')).toMatchObject({
      ip: '127.0.0.1',
      message: expect.stringContaining('409'),
    });
  });

  it('When a rogue registers with only the DMI UUID and its own MAC, then it gets a claim and the boot MAC is not rewritten', async () => {
    const { reg, facts } = await hostIn('assigned');
    const rogueFacts = rogueWithUuid(facts);
    const rogue = await register(rogueFacts);
    expect(rogue.id).toBe(reg.id);
    const h = await hostOf(reg.id);
    expect(h.boot_mac).toBe(facts.boot_mac);
    expect(h.conflict).toMatchObject({ matched_by: 'uuid', boot_mac: rogueFacts.boot_mac, uuid: facts.dmi.uuid });
    await poll(rogue).expect(409);
    expect((await poll(reg).expect(200)).headers['x-kickstand-action']).toBe('kickstart');
  });

  it.each(['provisioning', 'installed'] as const)(
    'When the host is %s, then a registration with its boot MAC only claims it: no answer, the state stays, the token lives',
    async (state) => {
      const { reg, facts } = await hostIn(state);
      const rogue = await register(rogueWithMac(facts.boot_mac));
      const h = await hostOf(reg.id);
      expect(h.state).toBe(state);
      expect(h.conflict.reason).toBe(`the host is ${state}`);
      const res = await poll(rogue).expect(409);
      expect(res.body.error.code).toBe('IDENTITY_CONFLICT');
      // A provisioning host's token still reports the install; an installed host's token was dead already.
      if (state === 'provisioning')
        await request(srv.url)
          .post(`/api/v1/discovery/${reg.id}/events`)
          .set('Authorization', `Bearer ${reg.token}`)
          .send({ stage: 'installing' })
          .expect(200);
    },
  );
});

describe('release', () => {
  it('When an operator releases the host over the API, then the claim becomes the host token (the old one dies), the boot MAC changes with an event, and the newcomer gets the answer', async () => {
    const { reg, facts } = await hostIn('assigned');
    const rogueFacts = rogueWithUuid(facts);
    const claim = await register(rogueFacts);
    await poll(claim).expect(409);
    await createUser(srv, 'op-release', 'operator', 'operator-password-123');
    const tok = (
      await request(srv.url)
        .post('/api/v1/users/op-release/tokens')
        .set('Authorization', `Bearer ${srv.adminToken}`)
        .send({ name: 't' })
        .expect(201)
    ).body.token as string;
    const res = await request(srv.url).post(`/api/v1/hosts/${reg.id}/conflict/release`).set('Authorization', `Bearer ${tok}`).expect(200);
    expect(res.body.boot_mac).toBe(rogueFacts.boot_mac);
    expect(res.body.conflict).toBeUndefined();
    const h = await hostOf(reg.id);
    expect(h.events.at(-1)).toMatchObject({
      type: 'conflict-released',
      actor: 'op-release',
      ip: '127.0.0.1',
      message: expect.stringContaining(`${facts.boot_mac} → ${rogueFacts.boot_mac}`),
    });
    await poll(reg).expect(401);
    expect((await poll(claim).expect(200)).headers['x-kickstand-action']).toBe('kickstart');
    // Nothing left to release.
    expect((await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/conflict/release`)).expect(404)).body.error.field).toBe('conflict');
  });

  it('When a viewer tries to release, then 403 and nothing changes', async () => {
    const { reg, facts } = await hostIn('assigned');
    await register(rogueWithMac(facts.boot_mac));
    await createUser(srv, 'viewer-release', 'viewer', 'viewer-password-123');
    const tok = (
      await request(srv.url)
        .post('/api/v1/users/viewer-release/tokens')
        .set('Authorization', `Bearer ${srv.adminToken}`)
        .send({ name: 't' })
        .expect(201)
    ).body.token as string;
    await request(srv.url).post(`/api/v1/hosts/${reg.id}/conflict/release`).set('Authorization', `Bearer ${tok}`).expect(403);
    expect((await hostOf(reg.id)).conflict).toBeDefined();
  });

  it('When a provisioning host (kickstart delivered) is released to the machine that came back, then it is failed and waits: no install loop', async () => {
    const { reg, facts } = await hostIn('provisioning');
    const again = await register(sampleFacts({ boot_mac: facts.boot_mac }));
    await poll(again).expect(409);
    await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/conflict/release`)).expect(200);
    await poll(again).expect(202);
    const h = await hostOf(reg.id);
    expect(h.state).toBe('failed');
    expect(h.events.at(-1)).toMatchObject({ type: 'failed', message: expect.stringMatching(/without reporting "installed"/) });
  });

  it('When the claiming machine’s own boot MAC has become another host meanwhile, then the release is refused (409) and no two hosts share a boot MAC', async () => {
    const { reg, facts } = await hostIn('assigned');
    const rogueFacts = rogueWithUuid(facts);
    await register(rogueFacts);
    const other = await register(sampleFacts({ boot_mac: rogueFacts.boot_mac }));
    expect(other.id).not.toBe(reg.id);
    const res = await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/conflict/release`)).expect(409);
    expect(res.body.error).toMatchObject({ code: 'INVALID_TRANSITION', field: 'conflict' });
    expect((await hostOf(reg.id)).boot_mac).toBe(facts.boot_mac);
  });

  it('When dracut sent the newcomer’s MAC headers with GET /ks, then its stub fetch is on the timeline next to its claim', async () => {
    const { reg, facts } = await hostIn('assigned');
    // Its own MAC is unknown, so the sighting waits for its registration (a known MAC's goes on that host at once).
    const rogueFacts = rogueWithUuid(facts);
    await request(srv.url).get('/ks').set('X-RHN-Provisioning-MAC-0', `eth0 ${rogueFacts.boot_mac}`).expect(200);
    await register(rogueFacts);
    const h = await hostOf(reg.id);
    expect(h.events.slice(-2).map((e: TimelineEvent) => e.type)).toEqual(['identity-conflict', 'stub-fetched']);
    expect(h.serial).toBe(facts.dmi.serial);
  });

  it('When a second newcomer claims the host, then its claim replaces the first one (which gets 401)', async () => {
    const { reg, facts } = await hostIn('assigned');
    const first = await register(rogueWithMac(facts.boot_mac));
    const second = await register(rogueWithMac(facts.boot_mac));
    await poll(first).expect(401);
    await poll(second).expect(409);
    expect((await hostOf(reg.id)).events.filter((e: TimelineEvent) => e.type === 'identity-conflict')).toHaveLength(2);
  });
});

describe('automatic release (KICKSTAND_CONFLICT_RELEASE_AFTER)', () => {
  it('When the original token has been silent longer than the configured minutes, then the claim’s next poll is released to it and answered; while the original polls, it is refused', async () => {
    const auto = await startTestServer({
      templatesDir: path.resolve('test/fixtures/kickstarts'),
      env: { KICKSTAND_CONFLICT_RELEASE_AFTER: '1' },
    });
    try {
      const { reg, facts } = await hostIn('assigned', auto);
      const claim = await registerAt(auto, rogueWithMac(facts.boot_mac));
      // The original polled a moment ago: refused.
      await pollVia(auto.url, claim).expect(409);
      // Move the original's last poll two minutes back instead of waiting.
      const stored = await auto.running.deps.store.hosts.get(reg.id);
      await auto.running.deps.store.hosts.save({ ...stored!, last_seen_at: new Date(Date.now() - 2 * 60_000).toISOString() });
      const res = await pollVia(auto.url, claim).expect(200);
      expect(res.headers['x-kickstand-action']).toBe('kickstart');
      await pollVia(auto.url, reg).expect(401);
      const h = await hostOf(reg.id, auto);
      expect(h.events.map((e: TimelineEvent) => e.type)).toEqual(
        expect.arrayContaining(['identity-conflict', 'conflict-refused', 'conflict-released', 'delivered']),
      );
      expect(h.events.find((e: TimelineEvent) => e.type === 'conflict-released')).toMatchObject({
        actor: 'kickstand',
        message: expect.stringContaining('KICKSTAND_CONFLICT_RELEASE_AFTER'),
      });
    } finally {
      await auto.stop();
    }
  });

  it('When KICKSTAND_CONFLICT_RELEASE_AFTER is not a whole number of minutes, then the start is refused naming it; the default is 0 (off)', () => {
    expect(loadConfig({}).conflictReleaseAfterMinutes).toBe(0);
    expect(loadConfig({ KICKSTAND_CONFLICT_RELEASE_AFTER: '15' }).conflictReleaseAfterMinutes).toBe(15);
    expect(() => loadConfig({ KICKSTAND_CONFLICT_RELEASE_AFTER: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ KICKSTAND_CONFLICT_RELEASE_AFTER: 'soon' })).toThrow(/KICKSTAND_CONFLICT_RELEASE_AFTER/);
  });
});

describe('re-discovery that keeps working as before', () => {
  it('When a discovered host registers again, then it is the same host with a new token and the old one dies', async () => {
    const facts = sampleFacts();
    const first = await register(facts);
    const again = await register(facts);
    expect(again.id).toBe(first.id);
    await poll(first).expect(401);
    await poll(again).expect(202);
    expect((await hostOf(first.id)).conflict).toBeUndefined();
  });

  it('When a discovered host is found by its UUID with another boot MAC, then the boot MAC changes with a timeline event, never silently', async () => {
    const facts = sampleFacts();
    const first = await register(facts);
    const other = rogueWithUuid(facts);
    const again = await register(other);
    expect(again.id).toBe(first.id);
    const h = await hostOf(first.id);
    expect(h.boot_mac).toBe(other.boot_mac);
    expect(h.events.find((e: TimelineEvent) => e.type === 'boot-mac-changed')).toMatchObject({
      ip: '127.0.0.1',
      message: expect.stringContaining(`${facts.boot_mac} → ${other.boot_mac}`),
    });
  });
});

describe('boot keys', () => {
  async function keyed(): Promise<{ reg: Reg; facts: Facts; key: string }> {
    const facts = sampleFacts();
    const reg = await register(facts);
    const res = await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/boot-key`)).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    return { reg, facts, key: res.body.key as string };
  }

  it('When a host has a key, then a registration without it or with a wrong one only claims it even while discovered, and one with the key is a normal re-discovery', async () => {
    const { reg, facts, key } = await keyed();
    const none = await register(facts);
    expect((await hostOf(reg.id)).conflict.reason).toBe('it presented no boot key and this host has one');
    await poll(none).expect(409);
    await poll(reg).expect(202);
    const wrong = await register(facts, 'x'.repeat(22));
    expect((await hostOf(reg.id)).conflict.reason).toBe('it presented a wrong boot key');
    await poll(wrong).expect(409);
    const right = await register(facts, key);
    await poll(right).expect(202);
    await poll(reg).expect(401);
    expect((await hostOf(reg.id)).events.at(-1).type).toBe('rediscovered');
  });

  it('When a host with a key is assigned and its machine comes back with the key, then it is a re-discovery (the no-loop rule applies), not a conflict', async () => {
    const { reg, facts, key } = await keyed();
    await assign(reg.id);
    const again = await register(facts, key);
    expect(again.id).toBe(reg.id);
    expect((await poll(again).expect(200)).headers['x-kickstand-action']).toBe('kickstart');
    expect((await hostOf(reg.id)).conflict).toBeUndefined();
  });

  it('When a key is set, then no host view shows it, the facts never hold it, the per-MAC entries carry it (admins only), and it can be set, replaced and cleared', async () => {
    const { reg, facts, key } = await keyed();
    await register({ ...facts, kernel: { cmdline: `BOOT_IMAGE=vmlinuz kickstand.key=${key} quiet` } }, key);
    const h = await hostOf(reg.id);
    expect(h.boot_key_set).toBe(true);
    expect(JSON.stringify(h)).not.toContain(key);
    expect(h.facts.kernel.cmdline).toBe('BOOT_IMAGE=vmlinuz kickstand.key=(hidden) quiet');
    expect(JSON.stringify((await admin(request(srv.url).get('/api/v1/hosts')).expect(200)).body)).not.toContain(key);

    const entries = (await admin(request(srv.url).get(`/api/v1/hosts/${reg.id}/boot-entries`)).expect(200)).body;
    const hyphens = facts.boot_mac.replace(/:/g, '-');
    expect(entries.pxelinux.file).toBe(`pxelinux.cfg/01-${hyphens}`);
    expect(entries.grub.file).toBe(`grub.cfg-01-${hyphens}`);
    for (const f of ['pxelinux', 'grub', 'ipxe']) expect(entries[f].text).toContain(` kickstand.key=${key}`);
    expect(entries.grub.text).toContain(`BOOTIF=01-${hyphens}`);

    await createUser(srv, 'op-key', 'operator', 'operator-password-123');
    const op = (
      await request(srv.url)
        .post('/api/v1/users/op-key/tokens')
        .set('Authorization', `Bearer ${srv.adminToken}`)
        .send({ name: 't' })
        .expect(201)
    ).body.token as string;
    await request(srv.url).get(`/api/v1/hosts/${reg.id}/boot-entries`).set('Authorization', `Bearer ${op}`).expect(403);
    await request(srv.url).post(`/api/v1/hosts/${reg.id}/boot-key`).set('Authorization', `Bearer ${op}`).expect(403);
    await request(srv.url).delete(`/api/v1/hosts/${reg.id}/boot-key`).set('Authorization', `Bearer ${op}`).expect(403);

    const bad = await admin(request(srv.url).put(`/api/v1/hosts/${reg.id}/boot-key`))
      .send({ key: 'has space in it!!' })
      .expect(400);
    expect(bad.body.error.field).toBe('key');
    const chosen = 'my-own-boot-key-0123456789';
    expect(
      (
        await admin(request(srv.url).put(`/api/v1/hosts/${reg.id}/boot-key`))
          .send({ key: chosen })
          .expect(200)
      ).body.key,
    ).toBe(chosen);
    await poll(await register(facts, chosen)).expect(202);
    await admin(request(srv.url).delete(`/api/v1/hosts/${reg.id}/boot-key`)).expect(200);
    expect((await hostOf(reg.id)).boot_key_set).toBe(false);
    await poll(await register(facts)).expect(202);
    expect((await admin(request(srv.url).get(`/api/v1/hosts/${reg.id}/boot-entries`)).expect(200)).body.ipxe.text).not.toContain(
      'kickstand.key=',
    );
  });

  it('When iPXE asks with ?mac= of a keyed host, then the key is on the line only from the host’s own address', async () => {
    const { reg, facts, key } = await keyed();
    expect((await request(srv.url).get(`/boot/ipxe?mac=${facts.boot_mac}`).expect(200)).text).toContain(`kickstand.key=${key}`);
    const stored = await srv.running.deps.store.hosts.get(reg.id);
    await srv.running.deps.store.hosts.save({ ...stored!, last_seen_ip: '192.0.2.99', summary: { ...stored!.summary, ip: '192.0.2.99' } });
    expect((await request(srv.url).get(`/boot/ipxe?mac=${facts.boot_mac}`).expect(200)).text).not.toContain('kickstand.key=');
  });
});
