// Host tokens: 128 random bits, only their digest at rest, every wrong token refused alike whatever
// its length, and one host's token never reads or writes another host — on every host-token route
// the app has (enumerated) and on the fast poll path.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, tokenMatches } from '../../src/hosts/tokens.js';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { routeKeys, samplePath } from '../support/routes.js';
import { registerMachine, type Registered } from '../support/sessions.js';

let srv: TestServer;
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });

/** Every route that takes a host token: the app's /api/v1/discovery/:id/… routes. */
function hostTokenRoutes(): string[] {
  return routeKeys(srv.running.app).filter((r) => r.includes(' /api/v1/discovery/:id/'));
}

/** Calls a host-token route on the running server (so GET …/next takes the fast path). */
function callRoute(route: string, id: string, token: string | undefined, target: string | typeof srv.running.app = srv.url) {
  const [method, p] = route.split(' ') as [string, string];
  let r = (request(target) as unknown as Record<string, (u: string) => request.Test>)[method.toLowerCase()]!(samplePath(p, id));
  if (token !== undefined) r = r.set('Authorization', `Bearer ${token}`);
  return method === 'GET' ? r : r.send({ stage: 'installing', message: 'from another host' });
}

async function hostView(id: string) {
  return (await request(srv.url).get(`/api/v1/hosts/${id}`).set(admin()).expect(200)).body as {
    state: string;
    events: unknown[];
    last_seen_at?: string;
    callbacks?: unknown;
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
});
afterAll(async () => srv.stop());

describe('host tokens', () => {
  const issued: Registered[] = [];

  it('When 80 machines register, then each token is 16 random bytes in base64url: all distinct, no fixed bit, ones about half', async () => {
    for (let i = 0; i < 80; i++) issued.push(await registerMachine(srv.url));
    const bits = new Array<number>(128).fill(0);
    for (const { token } of issued) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const bytes = Buffer.from(token, 'base64url');
      expect(bytes).toHaveLength(16);
      expect(bytes.toString('base64url')).toBe(token);
      for (let b = 0; b < 128; b++) bits[b]! += (bytes[b >> 3]! >> (7 - (b & 7))) & 1;
    }
    expect(new Set(issued.map((r) => r.token)).size).toBe(issued.length);
    // A counter, a timestamp or a zeroed byte would leave bit positions that never (or always) change.
    for (let b = 0; b < 128; b++) {
      expect(bits[b], `bit ${b}`).toBeGreaterThan(0);
      expect(bits[b], `bit ${b}`).toBeLessThan(issued.length);
    }
    const ones = bits.reduce((a, n) => a + n, 0);
    expect(Math.abs(ones - (issued.length * 128) / 2)).toBeLessThan(300); // ~6 standard deviations
  });

  it('When the data folder is searched, then no host token is in any file, only its sha256 digest', async () => {
    const files = await filesUnder(srv.dataDir);
    expect(files.length).toBeGreaterThan(1);
    const all = (await Promise.all(files.map((f) => readFile(f)))).map((b) => b.toString('latin1')).join('\n');
    for (const { token } of issued) {
      expect(all).not.toContain(token);
      expect(all).not.toContain(Buffer.from(token, 'base64url').toString('hex'));
    }
    expect(all).toContain(hashToken(issued[0]!.token));
    expect(all).not.toContain(srv.adminToken);
  });

  it('When a machine registers again, then it gets a new token and the old one is refused', async () => {
    const facts = sampleFacts();
    const first = await registerMachine(srv.url, facts);
    const second = await registerMachine(srv.url, facts);
    expect(second.id).toBe(first.id);
    expect(second.token).not.toBe(first.token);
    await request(srv.url).get(`/api/v1/discovery/${first.id}/next`).set('Authorization', `Bearer ${first.token}`).expect(401);
    await request(srv.url).get(`/api/v1/discovery/${first.id}/next`).set('Authorization', `Bearer ${second.token}`).expect(202);
  });

  it('When a wrong token of the same length, of other lengths, or none is presented, then the same 401 as for an unknown host, on every host-token route', async () => {
    const host = issued[1]!;
    const flip = `${host.token.startsWith('A') ? 'B' : 'A'}${host.token.slice(1)}`;
    const lastFlip = `${host.token.slice(0, -1)}${host.token.endsWith('A') ? 'B' : 'A'}`;
    const wrong = [
      flip,
      lastFlip,
      host.token.slice(0, 21),
      `${host.token}A`,
      host.token.toLowerCase() === host.token ? host.token.toUpperCase() : host.token.toLowerCase(),
      'A',
      'x'.repeat(64),
      'x'.repeat(512),
      issued[2]!.token,
    ];
    const routes = hostTokenRoutes();
    expect(routes).toContain('GET /api/v1/discovery/:id/next');
    expect(routes).toContain('POST /api/v1/discovery/:id/events');
    for (const route of routes) {
      const unknown = await callRoute(route, 'nosuchhost12', host.token);
      expect(unknown.status, route).toBe(401);
      for (const token of [...wrong, undefined, 'x'.repeat(513)]) {
        const res = await callRoute(route, host.id, token);
        expect(res.status, `${route} with ${token === undefined ? 'no token' : `a ${token.length}-character token`}`).toBe(401);
        expect(res.body, route).toEqual(unknown.body);
        expect(res.body.error.code).toBe('UNAUTHORIZED');
      }
    }
    expect((await hostView(host.id)).events).toHaveLength(1);
  });

  it('When tokens are compared, then digests of equal length are compared whatever the token lengths', () => {
    const token = issued[3]!.token;
    expect(tokenMatches(token, hashToken(token))).toBe(true);
    for (const other of ['', 'A', token.slice(1), `${token}A`, 'x'.repeat(4096)]) {
      expect(tokenMatches(other, hashToken(token))).toBe(false);
      expect(hashToken(other)).toHaveLength(hashToken(token).length);
    }
    // A stored digest of another length (a damaged record) refuses instead of throwing.
    expect(tokenMatches(token, hashToken(token).slice(1))).toBe(false);
  });

  it("When host A's token is used on host B's routes (fast path, express route, events), then 401 and B is neither read nor changed", async () => {
    const a = issued[10]!;
    const b = issued[11]!;
    // B has an answer waiting: reading it with A's token would hand it out and move B to provisioning.
    await request(srv.url)
      .post(`/api/v1/hosts/${b.id}/assignment`)
      .set(admin())
      .send({ action: 'kickstart', template: 'plain.ks.njk' })
      .expect(200);
    const before = await hostView(b.id);
    const routes = hostTokenRoutes();
    for (const route of routes) {
      for (const target of [srv.url, srv.running.app]) {
        const res = await callRoute(route, b.id, a.token, target);
        expect(res.status, `${route} for B with A's token`).toBe(401);
        expect(res.text).not.toContain('plain fixture');
        expect((await callRoute(route, a.id, b.token, target)).status, `${route} for A with B's token`).toBe(401);
      }
    }
    const after = await hostView(b.id);
    expect(after.state).toBe('assigned');
    expect(after.events).toEqual(before.events);
    expect(after.last_seen_at).toBe(before.last_seen_at);
    expect(after.callbacks).toEqual(before.callbacks);
    // The 401s were not vacuous: each token opens its own host.
    const own = await request(srv.url).get(`/api/v1/discovery/${b.id}/next`).set('Authorization', `Bearer ${b.token}`).expect(200);
    expect(own.text).toContain(`plain fixture for ${b.id}`);
    await request(srv.url)
      .post(`/api/v1/discovery/${a.id}/events`)
      .set('Authorization', `Bearer ${a.token}`)
      .send({ stage: 'installing' })
      .expect(409);
    await request(srv.url)
      .post(`/api/v1/discovery/${b.id}/events`)
      .set('Authorization', `Bearer ${b.token}`)
      .send({ stage: 'installing' })
      .expect(200);
  });

  it('When a host reports installed, then its token is dead on every host-token route', async () => {
    const b = issued[11]!;
    await request(srv.url)
      .post(`/api/v1/discovery/${b.id}/events`)
      .set('Authorization', `Bearer ${b.token}`)
      .send({ stage: 'installed' })
      .expect(200);
    for (const route of hostTokenRoutes()) expect((await callRoute(route, b.id, b.token)).status, route).toBe(401);
  });
});
