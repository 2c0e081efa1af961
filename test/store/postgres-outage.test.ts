// The database goes away under a running instance (a crash, a failover) and comes back: the promises
// of docs/scale-out.md#when-the-database-goes-away, against a cluster of this file's own that it stops
// and starts again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import pg from 'pg';
import { startCluster, type Cluster } from '../support/postgres-cluster.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { registerMachine, type Registered } from '../support/sessions.js';
import { sampleFacts } from '../support/facts.js';
import { TEST_ADMIN_TOKEN } from '../support/server.js';

let cluster: Cluster;
let srv: TestServer;
let waiting: Registered;

beforeAll(async () => {
  cluster = await startCluster();
  srv = await startTestServer({ env: { KICKSTAND_DATABASE_URL: cluster.url }, logLevel: 'silent' });
  waiting = await registerMachine(srv.url);
}, 120_000);

afterAll(async () => {
  await srv.stop();
  await cluster.stop();
});

const poll = (r: Registered) => request(srv.url).get(new URL(r.next).pathname).set('Authorization', `Bearer ${r.token}`);

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) if (await check()) return true;
  return false;
}

describe('the database goes away and comes back', () => {
  it('When the database is down, then waiting machines are still answered, writes answer 503 naming the database, and /healthz says degraded', async () => {
    expect((await poll(waiting)).status).toBe(202);
    await cluster.pause();

    // Answered from this instance's memory.
    const polled = await poll(waiting);
    expect(polled.status).toBe(202);
    expect(polled.headers['retry-after']).toBeDefined();

    const refused = await request(srv.url).post('/api/v1/discovery').send(sampleFacts());
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('STORAGE_UNAVAILABLE');
    expect(refused.body.error.message).toMatch(/database/);
    expect(refused.body.error.message).not.toContain('kickstand@'); // no URL, no credentials

    expect(await until(async () => (await request(srv.url).get('/healthz')).body.status === 'degraded', 5_000)).toBe(true);
  }, 60_000);

  it('When the database is back, then the instance reconnects by itself, registrations go through, and a change made meanwhile by another instance is read', async () => {
    await cluster.resume();
    // Another instance writes while this one is still reconnecting: a notice this one never hears.
    const other = new pg.Client({ connectionString: cluster.url });
    await other.connect();
    await other.query(`INSERT INTO rules (name, record) VALUES ('made-elsewhere', $1::json)`, [
      JSON.stringify({
        name: 'made-elsewhere',
        expression: 'memory_mib > 0',
        profile: 'none',
        hostname_pattern: 'x',
        priority: 1,
        limit: 0,
        enabled: false,
        sequence: 0,
        created_at: new Date().toISOString(),
        updated_at: new Date().toISOString(),
      }),
    ]);
    await other.end();

    expect(await until(async () => (await request(srv.url).get('/healthz')).body.status === 'ok', 20_000)).toBe(true);
    const registered = await request(srv.url).post('/api/v1/discovery').send(sampleFacts());
    expect(registered.status).toBe(201);
    // Read again at reconnect: the reload, not a notice.
    const rules = await request(srv.url).get('/api/v1/rules').set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    expect(rules.body.rules.map((r: { name: string }) => r.name)).toContain('made-elsewhere');
    expect((await poll(waiting)).status).toBe(202);
  }, 60_000);
});
