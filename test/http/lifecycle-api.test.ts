// The install lifecycle over HTTP: callbacks with good, wrong, dead and expired tokens, idempotent
// retries, token death after installed, no install loops, reprovision, lost hosts (fake clock), and
// a source IP on every timeline event.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markLostHosts } from '../../src/hosts/lost.js';
import { sampleFacts } from '../support/facts.js';
import { appRoutes, fillPath } from '../support/routes.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const admin = (r: request.Test) => r.set('Authorization', `Bearer ${srv.adminToken}`);
let macs = 0;
const nextMac = () => `52:54:00:00:1a:${(macs++).toString(16).padStart(2, '0')}`;

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
});
afterAll(async () => srv.stop());

interface Reg {
  id: string;
  token: string;
  next: string;
  events: string;
}
async function register(mac = nextMac()): Promise<Reg> {
  return (
    await request(srv.url)
      .post('/api/v1/discovery')
      .send(sampleFacts({ boot_mac: mac }))
      .expect((r) => expect([200, 201]).toContain(r.status))
  ).body as Reg;
}
const poll = (reg: Reg, token = reg.token) =>
  request(srv.url).get(`/api/v1/discovery/${reg.id}/next`).set('Authorization', `Bearer ${token}`);
const event = (reg: Reg, body: object, token = reg.token) =>
  request(srv.url).post(`/api/v1/discovery/${reg.id}/events`).set('Authorization', `Bearer ${token}`).send(body);
const hostOf = async (id: string) => (await admin(request(srv.url).get(`/api/v1/hosts/${id}`)).expect(200)).body;
interface TimelineEvent {
  type: string;
  actor: string;
  ip?: string;
  message: string;
  log_truncated?: boolean;
}

/** The token of `reg` gets 401 on every route a machine calls with its host token — read from the
 *  express app, so a route added there tomorrow is covered without being listed here — through the
 *  server (where GET …/next is answered before express, src/http/fast-poll.ts) and through express
 *  alone, always with the body an unknown host gets. */
async function expectTokenDead(reg: Reg): Promise<void> {
  const routes = appRoutes(srv.running.app).filter((r) => r.path.startsWith('/api/v1/discovery/:id/'));
  expect(routes.map((r) => r.key)).toEqual(expect.arrayContaining(['GET /api/v1/discovery/:id/next', 'POST /api/v1/discovery/:id/events']));
  const unknown = (
    await request(srv.url).get('/api/v1/discovery/nosuchhost123/next').set('Authorization', `Bearer ${reg.token}`).expect(401)
  ).body;
  expect(unknown.error.code).toBe('UNAUTHORIZED');
  for (const route of routes) {
    for (const [via, target] of [
      ['server', srv.url],
      ['express', srv.running.app],
    ] as const) {
      const call = (request(target) as unknown as Record<string, (u: string) => request.Test>)[route.method.toLowerCase()]!(
        fillPath(route, { id: reg.id }),
      ).set('Authorization', `Bearer ${reg.token}`);
      const res = route.json ? await call.send({ stage: 'installed' }) : await call;
      expect(res.status, `${route.key} via ${via}`).toBe(401);
      expect(res.body, `${route.key} via ${via}`).toEqual(unknown);
    }
  }
}

async function provisioning(action: object = { action: 'kickstart', template: 'plain.ks.njk' }): Promise<Reg> {
  const reg = await register();
  await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/assignment`))
    .send({ hostname: `h-${reg.id}.example.com`, ...action })
    .expect(200);
  await poll(reg).expect(200);
  return reg;
}

describe('install callbacks', () => {
  it('When the installer reports installing then installed, then the host moves along, and the events URL was given at registration', async () => {
    const reg = await provisioning();
    expect(reg.events).toBe(`${srv.url}/api/v1/discovery/${reg.id}/events`);
    expect((await event(reg, { stage: 'installing', message: 'packages' }).expect(200)).body).toEqual({
      recorded: true,
      state: 'provisioning',
    });
    expect((await event(reg, { stage: 'installed' }).expect(200)).body).toEqual({ recorded: true, state: 'installed' });
    const h = await hostOf(reg.id);
    expect(h.state).toBe('installed');
    expect(h.events.slice(-2).map((e: { type: string; actor: string }) => [e.type, e.actor])).toEqual([
      ['installing', 'installer'],
      ['installed', 'installer'],
    ]);
  });

  it('When a callback is retried, then it is recorded once (by event id, or by stage without one)', async () => {
    const reg = await provisioning();
    for (let i = 0; i < 3; i++) await event(reg, { stage: 'installing', event_id: 'installing-boot1' }).expect(200);
    await event(reg, { stage: 'installing' }).expect(200);
    expect((await event(reg, { stage: 'installing' }).expect(200)).body).toEqual({ recorded: false, state: 'provisioning' });
    const types = (await hostOf(reg.id)).events.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t === 'installing')).toHaveLength(2);
  });

  it('When the host is installed, then its token gets 401 on every host route, and a fresh discovery gets a new token that waits', async () => {
    const reg = await provisioning();
    await event(reg, { stage: 'installed' }).expect(200);
    await expectTokenDead(reg);
    await event(reg, { stage: 'failed' }).expect(401);
    // The machine boots into discovery again (PXE first in the boot order): it stays installed and waits.
    // Issue 13 item 2: a registration matching an installed host is only a claim (409) until an
    // operator releases the host to it; then it waits as before.
    const again = await register((await hostOf(reg.id)).boot_mac);
    expect(again.id).toBe(reg.id);
    expect(again.token).not.toBe(reg.token);
    await poll(again).expect(409);
    await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/conflict/release`)).expect(200);
    await poll(again).expect(202);
    const h = await hostOf(reg.id);
    expect(h.state).toBe('installed');
    expect(h.events.at(-1).message).toMatch(/stays installed until someone reprovisions it/);
  });

  it('When a token is wrong, or the host unknown, then 401 with the same body; a bad body is 400 naming the field', async () => {
    const reg = await provisioning();
    const wrong = await event(reg, { stage: 'installing' }, 'not-the-token-at-all-xx').expect(401);
    const unknown = await request(srv.url)
      .post('/api/v1/discovery/nosuchhost123/events')
      .set('Authorization', `Bearer ${reg.token}`)
      .send({ stage: 'installing' })
      .expect(401);
    expect(wrong.body).toEqual(unknown.body);
    expect((await event(reg, { stage: 'exploded' }).expect(400)).body.error.field).toBe('stage');
    expect((await event(reg, { stage: 'installing', event_id: 'bad id!' }).expect(400)).body.error.field).toBe('event_id');
  });

  it('When a failed install sends more than 64 KiB of log, then the failure is recorded and the last 64 KiB are kept, cut on a character, marked truncated', async () => {
    const reg = await provisioning();
    // 2-byte characters, then 15 ASCII bytes: the 64 KiB cut lands inside an "é", which must not be kept half.
    const log = `HEAD${'é'.repeat(40_000)}\nERROR no disk\n`;
    const res = await event(reg, { stage: 'failed', message: 'no disk', log }).expect(200);
    expect(res.body).toEqual({ recorded: true, state: 'failed', log_truncated: true });
    const kept = (await admin(request(srv.url).get(`/api/v1/hosts/${reg.id}/install-log`)).expect(200)).text;
    expect(Buffer.byteLength(kept)).toBe(64 * 1024 - 1);
    expect(log.endsWith(kept)).toBe(true);
    expect(kept).toMatch(/^é+\nERROR no disk\n$/);
    const h = await hostOf(reg.id);
    expect(h.state).toBe('failed');
    expect(h.events.at(-1)).toMatchObject({
      type: 'failed',
      log_truncated: true,
      message: `install failed: no disk (last ${64 * 1024 - 1} bytes of log kept)`,
    });
  });

  it('When a log fits, then it is kept whole and nothing says truncated; when the body is absurd, then 413 and nothing is recorded', async () => {
    const reg = await provisioning();
    const huge = await event(reg, { stage: 'failed', log: 'x'.repeat(1024 * 1024) }).expect(413);
    expect(huge.body.error.code).toBe('BODY_TOO_LARGE');
    expect((await hostOf(reg.id)).state).toBe('provisioning');
    const log = 'y'.repeat(64 * 1024);
    expect((await event(reg, { stage: 'failed', log }).expect(200)).body).toEqual({ recorded: true, state: 'failed' });
    expect((await admin(request(srv.url).get(`/api/v1/hosts/${reg.id}/install-log`)).expect(200)).text).toBe(log);
    expect((await hostOf(reg.id)).events.at(-1).log_truncated).toBeUndefined();
  });

  it('When a callback does not fit the state, then 409 and nothing changes', async () => {
    const reg = await register();
    const res = await event(reg, { stage: 'installed' }).expect(409);
    expect(res.body.error).toMatchObject({ code: 'INVALID_TRANSITION', field: 'state' });
    expect((await hostOf(reg.id)).state).toBe('discovered');
  });

  it('When the install fails, then the host is failed, its log is kept, its poll waits, and a reset or a new assignment lets it try again', async () => {
    const reg = await provisioning();
    await event(reg, { stage: 'failed', message: 'no disk', log: 'anaconda.log tail\nERROR no disk\n' }).expect(200);
    expect((await hostOf(reg.id)).state).toBe('failed');
    expect((await admin(request(srv.url).get(`/api/v1/hosts/${reg.id}/install-log`)).expect(200)).text).toBe(
      'anaconda.log tail\nERROR no disk\n',
    );
    await poll(reg).expect(202);
    await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/assignment`))
      .send({ action: 'kickstart', template: 'plain.ks.njk' })
      .expect(200);
    await poll(reg).expect(200);
    expect((await hostOf(reg.id)).state).toBe('provisioning');
  });
});

describe('token time-to-live', () => {
  it('When the answer was delivered longer ago than KICKSTAND_TOKEN_TTL, then the token gets 401 for polls and callbacks', async () => {
    const reg = await provisioning();
    const h = await hostOf(reg.id);
    expect(Date.parse(h.token_expires_at) - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    expect(Date.parse(h.token_expires_at) - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    // Move the host's clock instead of waiting a day: its expiry in the past.
    const stored = await srv.running.deps.store.hosts.get(reg.id);
    await srv.running.deps.store.hosts.save({ ...stored!, token_expires_at: new Date(Date.now() - 1000).toISOString() });
    await expectTokenDead(reg);
    expect((await hostOf(reg.id)).state).toBe('provisioning');
  });

  it('When a host is waiting, then its token has no expiry (a machine may wait for days for an admin)', async () => {
    const reg = await register();
    expect((await hostOf(reg.id)).token_expires_at).toBeUndefined();
    await poll(reg).expect(202);
  });
});

describe('no install loops', () => {
  it('When a machine given a kickstart boots into discovery again without reporting installed, then it is failed and waits; it is never handed the same answer by itself', async () => {
    const reg = await provisioning();
    const again = await register((await hostOf(reg.id)).boot_mac);
    // Issue 13 item 2: the registration is an identity conflict first (409, the answer held); the
    // operator releases the host to it, and only then does the no-loop rule mark it failed.
    await poll(again).expect(409);
    await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/conflict/release`)).expect(200);
    await poll(again).expect(202);
    const h = await hostOf(reg.id);
    expect(h.state).toBe('failed');
    // After the release the failed event is the last one (it was second to last, before 'rediscovered').
    expect(h.events.at(-1)).toMatchObject({
      type: 'failed',
      actor: 'machine',
      message: expect.stringMatching(/without reporting "installed"/),
    });
  });

  it('When a machine told to reboot boots into discovery again, then it waits for its next assignment', async () => {
    const reg = await provisioning({ action: 'reboot' });
    const again = await register((await hostOf(reg.id)).boot_mac);
    await poll(again).expect(202);
    const h = await hostOf(reg.id);
    expect(h.state).toBe('discovered');
    expect(h.assignment).toBeUndefined();
  });

  it('When an installed host is reprovisioned, then it waits for an assignment; reprovision of any other state is refused', async () => {
    const reg = await provisioning();
    await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/reprovision`)).expect(409);
    await event(reg, { stage: 'installed' }).expect(200);
    await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/assignment`))
      .send({ action: 'kickstart', template: 'plain.ks.njk' })
      .expect(409);
    await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/reset`)).expect(409);
    const res = await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/reprovision`)).expect(200);
    expect(res.body.state).toBe('discovered');
    const again = await register((await hostOf(reg.id)).boot_mac);
    await poll(again).expect(202);
    await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/assignment`))
      .send({ action: 'kickstart', template: 'plain.ks.njk' })
      .expect(200);
    await poll(again).expect(200);
    const audit = (await admin(request(srv.url).get('/api/v1/audit')).expect(200)).body.entries;
    expect(audit.some((e: { action: string; target: string }) => e.action === 'host.reprovision' && e.target === reg.id)).toBe(true);
  });
});

describe('lost hosts', () => {
  it('When a waiting host has not polled for KICKSTAND_LOST_AFTER, then it is lost (shown, not deleted); when it polls again, it is back', async () => {
    const reg = await register();
    const deps = srv.running.deps;
    expect(await markLostHosts(deps, Date.now() + 29 * 60_000)).not.toContain(reg.id);
    expect(await markLostHosts(deps, Date.now() + 31 * 60_000)).toContain(reg.id);
    const h = await hostOf(reg.id);
    expect(h.state).toBe('lost');
    expect(h.events.at(-1)).toMatchObject({ type: 'lose', actor: 'kickstand', message: expect.stringMatching(/^no poll for 3\d minutes/) });
    await poll(reg).expect(202);
    await expect.poll(async () => (await hostOf(reg.id)).state).toBe('discovered');
  });

  it('When assigned, provisioning or installed hosts go quiet, then they are not marked lost', async () => {
    const reg = await provisioning();
    expect(await markLostHosts(srv.running.deps, Date.now() + 10 * 24 * 3600_000)).not.toContain(reg.id);
    expect((await hostOf(reg.id)).state).toBe('provisioning');
  });
});

describe('source IP on the timeline', () => {
  it('When an admin assigns a host over the API, then the assigned event carries the source IP of the admin’s request', async () => {
    const reg = await register();
    await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/assignment`))
      .send({ action: 'reboot' })
      .expect(200);
    expect((await hostOf(reg.id)).events.at(-1)).toMatchObject({ type: 'assigned', ip: '127.0.0.1' });
  });

  it('When a rule assigns a host, then the assigned event carries the machine’s last-seen IP, not the caller’s', async () => {
    const reg = await register();
    const h = await hostOf(reg.id);
    // Tests all talk from 127.0.0.1: give the machine another address so the two can be told apart.
    const stored = await srv.running.deps.store.hosts.get(reg.id);
    await srv.running.deps.store.hosts.save({ ...stored!, last_seen_ip: '192.0.2.77' });
    await admin(request(srv.url).post('/api/v1/profiles')).send({ name: 'ip-reboot', action: 'reboot' }).expect(201);
    await admin(request(srv.url).post('/api/v1/rules'))
      .send({ name: 'ip-rule', expression: `boot_mac == "${h.boot_mac}"`, profile: 'ip-reboot' })
      .expect(201);
    try {
      expect((await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/auto-assign`)).expect(200)).body.outcome).toBe('assigned');
      expect((await hostOf(reg.id)).events.at(-1)).toMatchObject({ type: 'assigned', actor: 'rule ip-rule', ip: '192.0.2.77' });
    } finally {
      await admin(request(srv.url).delete('/api/v1/rules/ip-rule')).expect(204);
    }
  });

  it('When a host lives through every state over the API, then every event on its timeline names a source IP', async () => {
    const reg = await provisioning();
    await event(reg, { stage: 'installing' }).expect(200);
    await event(reg, { stage: 'installed' }).expect(200);
    await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/reprovision`)).expect(200);
    const again = await register((await hostOf(reg.id)).boot_mac);
    await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/assignment`))
      .send({ action: 'kickstart', template: 'plain.ks.njk' })
      .expect(200);
    await poll(again).expect(200);
    await event(again, { stage: 'failed', log: 'tail' }).expect(200);
    await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/reset`)).expect(200);
    expect(await markLostHosts(srv.running.deps, Date.now() + 31 * 60_000)).toContain(reg.id);
    await poll(again).expect(202);
    await expect.poll(async () => (await hostOf(reg.id)).state).toBe('discovered');
    const events = (await hostOf(reg.id)).events as TimelineEvent[];
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'discovered',
        'assigned',
        'delivered',
        'installing',
        'installed',
        'reprovision',
        'rediscovered',
        'failed',
        'reset',
        'lose',
        'come-back',
      ]),
    );
    for (const e of events) expect(e.ip, `${e.type}: ${e.message}`).toBe('127.0.0.1');
  });
});
