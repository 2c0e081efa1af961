// The per-IP registration limit (KICKSTAND_REGISTER_LIMIT): a burst from one address gets 429 with
// Retry-After while registered machines keep polling; memory stays bounded; the real %pre sleeps
// Retry-After (with jitter) and registers, however many 429s it meets.
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { ClientLimit, limitKey } from '../../src/discovery/client-limit.js';
import { registrationLimit } from '../../src/http/client-limit.js';
import { createLogger } from '../../src/log.js';
import { startWebServer, type RunningServer } from '../../src/server.js';
import { sampleFacts } from '../support/facts.js';
import { bootStub, exitOf, extractPre, preWorkspace, renderStub, runPre } from '../support/pre-script.js';
import { makeRestrictedPath } from '../support/restricted-path.js';
import { TEST_ADMIN_TOKEN } from '../support/server.js';
import { registerFrom } from '../support/sessions.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** rate-limiter-flexible reads the clock itself: take one at a given time by setting a fake Date. */
async function takeAt(limit: ClientLimit, key: string, now: number): Promise<number> {
  if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(now);
  return limit.take(key);
}

/** The real service with KICKSTAND_REGISTER_LIMIT set (the shared test server keeps the default). */
async function serviceWithLimit(limit: string): Promise<RunningServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-limit-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const config = loadConfig({
    PORT: '0',
    KICKSTAND_BIND: '127.0.0.1',
    KICKSTAND_DATA: dataDir,
    KICKSTAND_TEMPLATES: path.resolve('kickstarts'),
    KICKSTAND_POLL_INTERVAL: '1',
    KICKSTAND_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    KICKSTAND_REGISTER_LIMIT: limit,
  });
  const running = await startWebServer(config, createLogger('silent'));
  cleanups.push(() => running.stop());
  return running;
}

const register = (url: string) => request(url).post('/api/v1/discovery').send(sampleFacts());
const poll = (url: string, reg: { id: string; token: string }) =>
  request(url).get(`/api/v1/discovery/${reg.id}/next`).set('Authorization', `Bearer ${reg.token}`);

describe('the token bucket', () => {
  it('When clients come over IPv6, then a /64 is one client, however its addresses are spelled; IPv4 addresses count alone', async () => {
    expect(limitKey('192.0.2.7')).toBe('192.0.2.7');
    expect(limitKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(limitKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(limitKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(limitKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(limitKey('::1')).toBe('0:0:0:0::/64');
    expect(limitKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(limitKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect(limitKey('::ffff:192.0.2.7')).toBe('192.0.2.7');

    // Through the middleware: 2 a minute for the whole /64, then 429, while the next /64 still passes.
    const mw = registrationLimit(2);
    const from = async (remoteAddress: string) => {
      const headers: Record<string, string> = {};
      const res = { setHeader: (k: string, v: string) => void (headers[k] = v) };
      let passed = false;
      try {
        await mw({ socket: { remoteAddress } } as never, res as never, () => void (passed = true));
      } catch (err) {
        return { passed, code: (err as { code?: string }).code, retryAfter: headers['Retry-After'] };
      }
      return { passed };
    };
    expect((await from('2001:db8:1:2::1')).passed).toBe(true);
    expect((await from('2001:db8:1:2::2')).passed).toBe(true);
    expect(await from('2001:db8:1:2:abcd::99')).toMatchObject({
      passed: false,
      code: 'RATE_LIMITED',
      retryAfter: expect.stringMatching(/^\d+$/),
    });
    expect((await from('2001:db8:1:3::1')).passed).toBe(true);
  });

  it('When one IP takes more than its minute, then it is refused with the seconds until the next token, and refills at the rate', async () => {
    const limit = new ClientLimit(6); // one every 10 s, a burst of 6
    const t0 = 1_000_000;
    for (let i = 0; i < 6; i++) expect(await takeAt(limit, '192.0.2.1', t0)).toBe(0);
    expect(await takeAt(limit, '192.0.2.1', t0)).toBe(10);
    expect(await takeAt(limit, '192.0.2.1', t0 + 4_000)).toBe(6);
    expect(await takeAt(limit, '192.0.2.2', t0), 'another IP has its own bucket').toBe(0);
    expect(await takeAt(limit, '192.0.2.1', t0 + 10_000)).toBe(0);
    expect(await takeAt(limit, '192.0.2.1', t0 + 10_000)).toBe(10);
    // A quiet minute refills it completely, never beyond the burst.
    for (let i = 0; i < 6; i++) expect(await takeAt(limit, '192.0.2.1', t0 + 3_600_000)).toBe(0);
    expect(await takeAt(limit, '192.0.2.1', t0 + 3_600_000)).toBeGreaterThan(0);
  });

  it('When the limit is 0, then nothing is ever refused and nothing is tracked', async () => {
    const limit = new ClientLimit(0);
    for (let i = 0; i < 10_000; i++) expect(await takeAt(limit, '192.0.2.1', i)).toBe(0);
    expect(limit.size).toBe(0);
  });

  it('When a hundred thousand IPs register, then memory stays bounded and a throttled IP seen recently stays throttled', async () => {
    const limit = new ClientLimit(2, { maxKeys: 1000 });
    const now = 5_000_000;
    for (let i = 0; i < 3; i++) await takeAt(limit, '198.51.100.7', now);
    expect(await takeAt(limit, '198.51.100.7', now)).toBeGreaterThan(0);
    for (let i = 0; i < 100_000; i++) {
      await takeAt(limit, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, now + i);
      // Seen again within every half-bound of new IPs: it stays tracked, and empty.
      if (i % 250 === 0) await takeAt(limit, '198.51.100.7', now + i);
      if (i % 1000 === 0) expect(limit.size).toBeLessThanOrEqual(1000);
    }
    expect(await takeAt(limit, '198.51.100.7', now + 100_000)).toBeGreaterThan(0);
    // An IP not seen for two generations is forgotten: a full bucket again, as if new.
    expect(await takeAt(limit, '10.0.0.0', now + 100_001)).toBe(0);
    expect(await takeAt(limit, '10.0.0.0', now + 100_001)).toBe(0);
  });
});

describe('KICKSTAND_REGISTER_LIMIT', () => {
  it('When it is unset, then 120 a minute; when 0, then off; when not a whole number, then the service refuses to start naming it', () => {
    expect(loadConfig({}).registerLimit).toBe(120);
    expect(loadConfig({ KICKSTAND_REGISTER_LIMIT: '0' }).registerLimit).toBe(0);
    expect(loadConfig({ KICKSTAND_REGISTER_LIMIT: '30' }).registerLimit).toBe(30);
    for (const bad of ['-1', 'lots', '1.5', '2000000']) {
      expect(() => loadConfig({ KICKSTAND_REGISTER_LIMIT: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ KICKSTAND_REGISTER_LIMIT: bad })).toThrow(`KICKSTAND_REGISTER_LIMIT="${bad}"`);
    }
  });
});

describe('the limit in the service', () => {
  it('When one IP bursts past the limit, then 429 RATE_LIMITED with Retry-After, while registered hosts keep polling 202 and other IPs still register', async () => {
    const svc = await serviceWithLimit('10');
    const known = [];
    for (let i = 0; i < 3; i++) known.push((await register(svc.url).expect(201)).body as { id: string; token: string });

    const burst = await Promise.all(Array.from({ length: 20 }, () => register(svc.url)));
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(7);
    expect(statuses.filter((s) => s === 429)).toHaveLength(13);
    const refused = burst.find((r) => r.status === 429)!;
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect(refused.body.error.message).toContain('KICKSTAND_REGISTER_LIMIT');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(6);
    expect(refused.headers['x-content-type-options']).toBe('nosniff');

    // Polls are never counted: hundreds of them, fast path and express route, all answered.
    for (let round = 0; round < 50; round++) {
      for (const reg of known) expect((await poll(svc.url, reg)).status).toBe(202);
    }
    for (const reg of known)
      expect((await request(svc.app).get(`/api/v1/discovery/${reg.id}/next`).set('Authorization', `Bearer ${reg.token}`)).status).toBe(202);
    // An install callback is not a registration either.
    const events = await request(svc.url)
      .post(`/api/v1/discovery/${known[0]!.id}/events`)
      .set('Authorization', `Bearer ${known[0]!.token}`)
      .send({ stage: 'installing' });
    expect(events.status).not.toBe(429);
    expect((await register(svc.url)).status, 'still limited').toBe(429);
    expect((await registerFrom(svc.url, '127.0.0.2')).status, 'another client IP').toBe(201);
  });

  it('When the limit is 0, then a burst of registrations from one IP all get through', async () => {
    const svc = await serviceWithLimit('0');
    const statuses = (await Promise.all(Array.from({ length: 150 }, () => register(svc.url)))).map((r) => r.status);
    expect(statuses.every((s) => s === 201)).toBe(true);
  });

  it('When the real %pre meets a 429, then it waits Retry-After and registers', async () => {
    // 60 a minute: one token a second, so Retry-After is 1 s and the test stays short.
    const svc = await serviceWithLimit('60');
    const ours = new Set<string>();
    let draining = true;
    let emptied = false;
    // Empty this IP's bucket (the %pre comes from the same 127.0.0.1) and keep it empty until the
    // %pre was refused.
    const drain = (async () => {
      while (draining) {
        const res = await register(svc.url);
        if (res.status === 201) ours.add(res.body.id);
        else if (res.status === 429) emptied = true;
      }
    })();
    while (!emptied) await new Promise((r) => setTimeout(r, 10));
    cleanups.push(async () => {
      draining = false;
      await drain;
    });
    const { run } = await bootStub(svc.url, cleanups);
    const deadline = Date.now() + 45_000;
    while (!run.stderr().includes('HTTP 429') && Date.now() < deadline && run.child.exitCode === null)
      await new Promise((r) => setTimeout(r, 20));
    draining = false;
    await drain;
    expect(run.stderr()).toContain('registration deferred by the service (HTTP 429)');

    let machine: { id: string } | undefined;
    while (!machine && Date.now() < deadline) {
      const hosts = (await request(svc.url).get('/api/v1/hosts').set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)).body.hosts as {
        id: string;
      }[];
      machine = hosts.find((h) => !ours.has(h.id));
      if (!machine) await new Promise((r) => setTimeout(r, 100));
    }
    expect(machine, `the %pre never registered:\n${run.stderr()}`).toBeDefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(run.stderr()).toContain(`registered as host ${machine!.id}`);
    expect(run.stderr()).not.toMatch(/registration refused|registration failed/);
  });
});

describe('the %pre and 429', () => {
  /** A service that refuses the first registrations with the given Retry-After values, then accepts
   *  and answers the first poll with a kickstart (so the script finishes). */
  async function refusingService(retryAfters: number[]) {
    const registrations: number[] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/api/v1/discovery') {
          registrations.push(Date.now());
          const wait = retryAfters[registrations.length - 1];
          if (wait !== undefined) {
            res.writeHead(429, { 'Retry-After': String(wait), 'Content-Type': 'application/json' });
            res.end(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'too many registrations' } }));
            return;
          }
          const { port } = server.address() as AddressInfo;
          res.writeHead(201, { 'Content-Type': 'application/json' });
          res.end(
            JSON.stringify({
              id: 'host1',
              token: 'tok_0123456789abcdefghij',
              next: `http://127.0.0.1:${port}/api/v1/discovery/host1/next`,
            }),
          );
          return;
        }
        res.writeHead(200, { 'X-Kickstand-Action': 'kickstart' });
        res.end('# final\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, registrations };
  }

  it('When registration gets 429 again and again, then the script sleeps Retry-After plus at most half again each time, never backs off or gives up, and registers', async () => {
    const retryAfters = [3, 1, 1, 1, 1, 1];
    const svc = await refusingService(retryAfters);
    const bin = await makeRestrictedPath();
    cleanups.push(() => bin.cleanup());
    const ws = await preWorkspace(extractPre(renderStub(svc.url)));
    cleanups.push(() => ws.cleanup());
    const run = runPre(ws.script, bin.binDir, { ...ws.env, KICKSTAND_LINK_WAIT: '1' });
    cleanups.push(async () => {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await run.exited;
    });
    expect((await exitOf(run, 40_000)).code, run.stderr()).toBe(0);
    expect(svc.registrations).toHaveLength(retryAfters.length + 1);
    const gaps = svc.registrations.slice(1).map((t, i) => t - svc.registrations[i]!);
    gaps.forEach((gap, i) => {
      const wait = retryAfters[i]! * 1000;
      expect(gap, `gap ${i} after Retry-After ${retryAfters[i]}`).toBeGreaterThanOrEqual(wait);
      // Jitter adds up to half; anything near exponential backoff (8 s, 16 s … by the 5th) is wrong.
      expect(gap, `gap ${i} after Retry-After ${retryAfters[i]}`).toBeLessThan(wait * 1.5 + 700);
    });
    expect(run.stderr()).toContain('registration deferred by the service (HTTP 429)');
    expect(run.stderr()).toContain('registered as host host1');
  });
});
