// An admin behind a load balancer: a host registered through instance A is found through instance B as
// soon as A answered the registration. (Over HTTP on one machine B's notice usually wins the race; the
// catch-up a lookup falls back on, HostRepository.getLatest, is shown deterministically in
// test/store/postgres-instances.test.ts.)
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_KEY_FILE } from '../../src/secrets/secret-key.js';
import { testDatabase } from '../support/postgres.js';
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../support/server.js';
import { registerMachine } from '../support/sessions.js';
import { tempDir } from '../support/temp.js';

let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  const env = { KICKSTAND_DATABASE_URL: await testDatabase(), KICKSTAND_REGISTER_LIMIT: '0', KICKSTAND_LOG_LEVEL: 'warn' };
  a = await startTestServer({ env });
  const dataDir = await tempDir('kickstand-instance-b-');
  await copyFile(path.join(a.dataDir, SECRET_KEY_FILE), path.join(dataDir, SECRET_KEY_FILE));
  b = await startTestServer({ dataDir, env });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

describe('hosts across instances', () => {
  it('When 30 machines register through A, then B answers GET /api/v1/hosts/{id} for each at once', async () => {
    // Each GET leaves as soon as its registration is answered, racing B's notice of it.
    const pairs = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const r = await registerMachine(a.url);
        const res = await request(b.url).get(`/api/v1/hosts/${r.id}`).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
        return { id: r.id, status: res.status, found: (res.body as { id?: string }).id };
      }),
    );
    expect(pairs.map((p) => p.status)).toEqual(Array(30).fill(200));
    expect(pairs.map((p) => p.found)).toEqual(pairs.map((p) => p.id));
  });

  it('When a host id is unknown everywhere, then B still answers 404 naming it', async () => {
    const res = await request(b.url).get('/api/v1/hosts/zzzzzzzzzzzz').set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain('zzzzzzzzzzzz');
  });
});
