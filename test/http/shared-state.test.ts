// Two instances on one PostgreSQL database, as behind a load balancer: a web session, the failed-login
// counts and the registration limit are the same whichever instance a request reaches. And the
// sessions table is no key to the door: a row is found by the sha256 of its cookie, never the cookie,
// and a forged, guessed or expired session is refused.
import { createHash, randomBytes } from 'node:crypto';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SECRET_KEY_FILE } from '../../src/secrets/secret-key.js';
import { LOGIN_LIMITS } from '../../src/web/login-limit.js';
import { testDatabase } from '../support/postgres.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, loginFrom, registerFrom, webLogin } from '../support/sessions.js';
import { tempDir } from '../support/temp.js';

const PASSWORD = 'shared-session-pass-1';
const REGISTER_LIMIT = 3;
let a: TestServer;
let b: TestServer;
let db: pg.Client;

beforeAll(async () => {
  const url = await testDatabase();
  const env = { KICKSTAND_DATABASE_URL: url, KICKSTAND_REGISTER_LIMIT: String(REGISTER_LIMIT), KICKSTAND_LOG_LEVEL: 'warn' };
  a = await startTestServer({ env });
  // Instances on one database share secret.key (the database checks its fingerprint).
  const dataDir = await tempDir('kickstand-instance-b-');
  await copyFile(path.join(a.dataDir, SECRET_KEY_FILE), path.join(dataDir, SECRET_KEY_FILE));
  b = await startTestServer({ dataDir, env });
  db = new pg.Client({ connectionString: url });
  await db.connect();
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'guessed']) await createUser(a, name, 'operator', PASSWORD);
});
afterAll(async () => {
  await db?.end();
  await b?.stop();
  await a?.stop();
});

/** A page request with only this session cookie: 200, or 303 to the login form. */
const pageWith = (srv: TestServer, cookie: string) => request(srv.url).get('/hosts').set('Cookie', `ks_session=${cookie}`);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function sentToLogin(srv: TestServer, cookie: string): Promise<void> {
  const res = await pageWith(srv, cookie);
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/login?next=%2Fhosts');
}

describe('sessions across instances', () => {
  it('When a user logs in through A, then the session works through B; when it logs out through B, then A sends it to login', async () => {
    const { session, csrf } = await webLogin(a, 'alice', PASSWORD);
    const throughB = await pageWith(b, session).expect(200);
    expect(throughB.text).toContain('alice (operator)');

    await request(b.url).post('/logout').set('Cookie', `ks_session=${session}`).type('form').send({ _csrf: csrf }).expect(303);
    await sentToLogin(a, session);
    await sentToLogin(b, session);
  });

  it('When a user is deleted or its role changed through A, then its session ends through B too', async () => {
    const deleted = await webLogin(a, 'bob', PASSWORD);
    const demoted = await webLogin(b, 'carol', PASSWORD);
    await pageWith(b, deleted.session).expect(200);
    await pageWith(b, demoted.session).expect(200);
    await request(a.url).delete('/api/v1/users/bob').set('Authorization', `Bearer ${a.adminToken}`).expect(204);
    await request(a.url).patch('/api/v1/users/carol').set('Authorization', `Bearer ${a.adminToken}`).send({ role: 'viewer' }).expect(200);
    // B hears of the change through the database's notices, a moment later.
    await vi.waitFor(() => sentToLogin(b, deleted.session), { timeout: 5000, interval: 100 });
    await vi.waitFor(() => sentToLogin(b, demoted.session), { timeout: 5000, interval: 100 });
    await sentToLogin(a, deleted.session);
    await sentToLogin(a, demoted.session);
  });
});

describe('the sessions table under attack', () => {
  it('When a session cookie is forged or guessed, then both instances send it to login', async () => {
    await webLogin(a, 'dave', PASSWORD); // a real session exists beside the guesses
    for (const forged of [randomBytes(24).toString('base64url'), 'x', 'A'.repeat(4096), "' OR 1=1 --", '%00'])
      for (const srv of [a, b]) await sentToLogin(srv, encodeURIComponent(forged));
  });

  it('When someone reads the sessions table, then it holds only the sha256 of each cookie, which is no cookie itself', async () => {
    const { session } = await webLogin(b, 'erin', PASSWORD);
    const { rows } = await db.query<{ id_hash: string; row: string }>('SELECT id_hash, s::text AS row FROM sessions s');
    expect(rows.map((r) => r.id_hash)).toContain(sha256(session));
    for (const { row } of rows) expect(row).not.toContain(session);
    // What the table holds, presented as a cookie, opens nothing.
    for (const srv of [a, b]) await sentToLogin(srv, sha256(session));
    await pageWith(a, session).expect(200);
  });

  it('When a session row has expired, then it is refused and deleted, even before its sweep', async () => {
    const { session } = await webLogin(a, 'dave', PASSWORD);
    await pageWith(b, session).expect(200);
    await db.query('UPDATE sessions SET expires_at = $2 WHERE id_hash = $1', [sha256(session), Date.now() - 1000]);
    await sentToLogin(b, session);
    expect((await db.query('SELECT 1 FROM sessions WHERE id_hash = $1', [sha256(session)])).rowCount).toBe(0);
    await sentToLogin(a, session);
  });
});

describe('limits across instances', () => {
  it('When failed logins for one name from one address alternate between A and B, then they count together and the pair waits on both', async () => {
    const from = '127.0.0.41';
    // The free failures plus the one that starts the wait, spread over both instances: neither sees
    // enough of them on its own.
    for (let i = 0; i <= LOGIN_LIMITS.pair.free; i++)
      expect((await loginFrom(i % 2 ? b.url : a.url, from, 'guessed', 'wrong-password-xx')).res.status).toBe(401);
    for (const srv of [a, b]) {
      const refused = (await loginFrom(srv.url, from, 'guessed', PASSWORD)).res;
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
    // The user from another address is not held up.
    expect((await loginFrom(b.url, '127.0.0.42', 'guessed', PASSWORD)).res.status).toBe(303);
  });

  it('When one address tries many names, alternating between A and B, then it is refused on both after the per-address allowance', async () => {
    const from = '127.0.0.43';
    for (let i = 0; i <= LOGIN_LIMITS.address.free; i++)
      expect((await loginFrom(i % 2 ? b.url : a.url, from, `nobody${i}`, 'wrong-password-xx')).res.status).toBe(401);
    for (const srv of [a, b]) expect((await loginFrom(srv.url, from, 'erin', PASSWORD)).res.status).toBe(429);
  }, 60_000);

  it('When one address registers up to the limit through A, then its next registration through B gets 429 with Retry-After', async () => {
    const from = '127.0.0.51';
    for (let i = 0; i < REGISTER_LIMIT; i++) expect((await registerFrom(a.url, from)).status).toBeLessThan(300);
    const refused = await registerFrom(b.url, from);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    // Another address still registers through either.
    expect((await registerFrom(b.url, '127.0.0.52')).status).toBeLessThan(300);
  });
});
