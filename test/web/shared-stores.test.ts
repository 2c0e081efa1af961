// The PostgreSQL session store and rate limiters on their own: the sessions table stays bounded and
// swept, the limiters count across pools, and what happens when the database is away — logins and
// session checks fail closed (503), the registration limit counts in memory instead.
import path from 'node:path';
import express from 'express';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/user.js';
import { createDeps, type ComposedDeps } from '../../src/composition.js';
import { loadConfig } from '../../src/config.js';
import { ClientLimit } from '../../src/discovery/client-limit.js';
import { errorHandler } from '../../src/http/error-handler.js';
import { createLogger } from '../../src/log.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { PgLimiters } from '../../src/store/postgres/pg-limiters.js';
import { PgSessions, sessionIdHash } from '../../src/store/postgres/pg-sessions.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import { webRoutes } from '../../src/web/index.js';
import { LoginLimit } from '../../src/web/login-limit.js';
import { SESSION_TTL_MS } from '../../src/auth/session.js';
import { Sessions } from '../../src/web/sessions.js';
import { testDatabase } from '../support/postgres.js';
import { tempDir } from '../support/temp.js';

let store: PgStore;
let other: PgStore;
/** A pool whose database is gone, as far as its users can tell: every query fails. */
let away: pg.Pool;

beforeAll(async () => {
  const url = await testDatabase();
  store = await PgStore.open(url); // migrates: the sessions and rate_limits tables exist
  other = await PgStore.open(url);
  away = new pg.Pool({ connectionString: url });
  await away.end();
});
afterAll(async () => {
  await other?.close();
  await store?.close();
});

const user = (name: string): User => ({
  name,
  role: 'operator',
  password_hash: 'unused',
  tokens: [],
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
});
const stored = (u: User) => async (name: string) => (name === u.name ? u : undefined);
const count = async (sql: string, values: unknown[] = []) => Number((await store.pool.query<{ n: string }>(sql, values)).rows[0]!.n);

describe('PgSessions', () => {
  it('When more sessions start than the bound, then the oldest go and the count stays at the bound', async () => {
    const sessions = new Sessions(new PgSessions(store.pool, { max: 3 }));
    const u = user('many');
    const t0 = Date.now();
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await sessions.create(u, t0 + i));
    expect(await count('SELECT count(*) AS n FROM sessions')).toBe(3);
    for (const gone of made.slice(0, 2)) expect(await sessions.current(gone.id, stored(u), t0 + 10)).toBeUndefined();
    for (const kept of made.slice(2)) expect((await sessions.current(kept.id, stored(u), t0 + 10))?.user).toBe('many');
    sessions.close();
    await store.pool.query('DELETE FROM sessions');
  });

  it('When sessions have expired, then the sweep deletes them and leaves the live ones', async () => {
    const pgSessions = new PgSessions(store.pool);
    const sessions = new Sessions(pgSessions);
    const u = user('sweep');
    const old = await sessions.create(u, Date.now() - SESSION_TTL_MS - 1000);
    const live = await sessions.create(u);
    await pgSessions.sweep(Date.now());
    expect(await count('SELECT count(*) AS n FROM sessions WHERE id_hash = $1', [sessionIdHash(old.id)])).toBe(0);
    expect(await count('SELECT count(*) AS n FROM sessions WHERE id_hash = $1', [sessionIdHash(live.id)])).toBe(1);
    sessions.close();
  });

  it('When the database is away, then a session is neither found nor made nor ended: each says 503 STORAGE_UNAVAILABLE', async () => {
    const sessions = new Sessions(new PgSessions(away));
    const u = user('away');
    await expect(sessions.current('some-cookie', stored(u))).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', status: 503 });
    await expect(sessions.create(u)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    await expect(sessions.destroy('some-cookie')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    sessions.close();
  });
});

describe('PgLimiters', () => {
  it('When two instances take from one limit, then they share it; a window of a fraction of a second is kept in whole milliseconds', async () => {
    // 7 a minute: a steady window of 60/7 s, which the bigint column takes only rounded.
    const one = new PgLimiters(store.pool);
    const two = new PgLimiters(other.pool);
    const here = new ClientLimit(7, { limiters: one, name: 'ks' });
    const there = new ClientLimit(7, { limiters: two, name: 'ks' });
    for (let i = 0; i < 7; i++) expect(await (i % 2 ? there : here).take('192.0.2.70')).toBe(0);
    expect(await there.take('192.0.2.70')).toBeGreaterThan(0);
    expect(await here.take('192.0.2.70')).toBeGreaterThan(0);
    // Another limit on the same table counts apart (its own key prefix).
    expect(await new ClientLimit(7, { limiters: one, name: 'register' }).take('192.0.2.70')).toBe(0);
    one.close();
    two.close();
  });

  it('When the windows have ended, then the sweep empties the table', async () => {
    const limiters = new PgLimiters(store.pool);
    const limit = new ClientLimit(2, { limiters, name: 'sweep' });
    for (let i = 0; i < 2; i++) await limit.take('192.0.2.71'); // the steady window, then the burst one
    expect(await count(`SELECT count(*) AS n FROM rate_limits WHERE key LIKE 'sweep-%'`)).toBe(2);
    await limiters.sweep(Date.now() + 61_000);
    expect(await count(`SELECT count(*) AS n FROM rate_limits WHERE key LIKE 'sweep-%'`)).toBe(0);
    limiters.close();
  });

  it('When the database is away, then the registration limit still counts, in this process', async () => {
    const limiters = new PgLimiters(away);
    const limit = new ClientLimit(3, { limiters, name: 'register' });
    for (let i = 0; i < 3; i++) expect(await limit.take('192.0.2.72')).toBe(0);
    expect(await limit.take('192.0.2.72')).toBeGreaterThan(0);
    limiters.close();
  });

  it('When the database is away, then the login throttle cannot count, so it refuses with 503', async () => {
    const limiters = new PgLimiters(away);
    const limit = new LoginLimit(limiters);
    await expect(limit.check('192.0.2.73', 'someone')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', status: 503 });
    await expect(limit.fail('192.0.2.73', 'someone')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    limiters.close();
  });
});

describe('the login and the pages with the database away', () => {
  let deps: ComposedDeps;
  let app: express.Express;
  beforeAll(async () => {
    const dataDir = await tempDir('kickstand-away-');
    const config = loadConfig({
      KICKSTAND_DATA: dataDir,
      KICKSTAND_TEMPLATES: path.resolve('kickstarts'),
      KICKSTAND_ADMIN_TOKEN: 'test-admin-token-0123456789',
    });
    const log = createLogger('silent');
    deps = await createDeps(config, log, { store: new MemoryStore(), configInstallers: [], watchTemplates: false });
    await deps.store.users.save(user('person'));
    app = express();
    app.use(webRoutes(deps, new Sessions(new PgSessions(away)), new LoginLimit(new PgLimiters(away))));
    app.use(errorHandler(log));
  });
  afterAll(async () => deps?.close());

  it('When someone logs in, then it is refused with 503 before any password is checked; a page with a cookie is 503, not a login form', async () => {
    const agent = request.agent(app);
    const form = await agent.get('/login').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
    const login = await agent.post('/login').type('form').send({ _csrf: csrf, name: 'person', password: 'whatever-it-is' });
    expect(login.status).toBe(503);
    expect(login.body.error.code).toBe('STORAGE_UNAVAILABLE');
    expect(String(login.headers['set-cookie'])).not.toContain('ks_session=');
    const page = await request(app).get('/hosts').set('Cookie', 'ks_session=some-cookie');
    expect(page.status).toBe(503);
  });
});
