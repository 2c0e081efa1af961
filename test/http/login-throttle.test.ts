// Issue 13, item 7: login throttling that cannot lock anyone out. Guessing from one address makes that
// address wait, longer each time; the user name itself is only slowed (a few seconds at most), so the
// real user logs in from elsewhere; and one address guessing many names is stopped.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_LIMITS } from '../../src/web/login-limit.js';
import { loginFrom } from '../support/sessions.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const PASSWORD = 'throttle-password-1';
const A = '127.0.0.1';
const B = '127.0.0.2';
/** The most the name's slowing may add, plus a password check on a busy 2-core machine. */
const BOUND_MS = LOGIN_LIMITS.name.maxSlowMs + 2500;

beforeAll(async () => {
  srv = await startTestServer();
  for (const name of ['target', 'spread', 'other']) {
    await request(srv.url)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${srv.adminToken}`)
      .send({ name, role: 'viewer', password: PASSWORD })
      .expect(201);
  }
});
afterAll(async () => srv.stop());

describe('login throttling', () => {
  it('When address A fails for a user again and again, then A waits longer each time while the user logs in from B at once', async () => {
    for (let i = 0; i < LOGIN_LIMITS.pair.free + 1; i++)
      expect((await loginFrom(srv.url, A, 'target', 'wrong-password-xx')).res.status).toBe(401);
    const waits: number[] = [];
    for (let round = 0; round < 3; round++) {
      const refused = (await loginFrom(srv.url, A, 'target', PASSWORD)).res;
      expect(refused.status).toBe(429); // even with the right password: A is the one guessing
      const wait = Number(refused.headers['retry-after']);
      waits.push(wait);
      await new Promise((r) => setTimeout(r, wait * 1000 + 50));
      expect((await loginFrom(srv.url, A, 'target', 'wrong-password-xx')).res.status).toBe(401);
    }
    expect(waits).toEqual([1, 2, 4]);

    // The same user, from another address: no refusal, and slowed by at most a few seconds.
    const fromB = await loginFrom(srv.url, B, 'target', PASSWORD);
    expect(fromB.res.status).toBe(303);
    expect(fromB.ms).toBeLessThan(BOUND_MS);
  });

  it('When a name is guessed from many addresses, then it is only slowed, never locked', async () => {
    // Two waves at once from 12 addresses, as a spread-out guess comes: enough to reach the full slowing.
    const wave = (from: number, to: number) =>
      Promise.all(Array.from({ length: to - from }, (_, i) => loginFrom(srv.url, `127.0.0.${from + i}`, 'spread', 'wrong-password-xx')));
    for (const { res } of [...(await wave(10, 18)), ...(await wave(18, 22))]) expect(res.status).toBe(401);
    const real = await loginFrom(srv.url, B, 'spread', PASSWORD);
    expect(real.res.status).toBe(303);
    expect(real.ms).toBeGreaterThanOrEqual(LOGIN_LIMITS.name.maxSlowMs - 50); // 12 failures: the full slowing …
    expect(real.ms).toBeLessThan(BOUND_MS); // … and no more
  }, 60_000);

  it('When one address tries many names, then it is refused after the per-address allowance', async () => {
    const C = '127.0.0.30';
    for (let i = 0; i <= LOGIN_LIMITS.address.free; i++)
      expect((await loginFrom(srv.url, C, `guess${i}`, 'wrong-password-xx')).res.status).toBe(401);
    const refused = (await loginFrom(srv.url, C, 'other', PASSWORD)).res;
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Nobody else is held up by it.
    expect((await loginFrom(srv.url, B, 'other', PASSWORD)).res.status).toBe(303);
  }, 60_000);
});
