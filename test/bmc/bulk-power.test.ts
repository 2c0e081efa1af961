// 200 hosts power-cycled in one bulk action against 200 simulated BMCs: the queue's global limit holds,
// no BMC sees two operations at once, and every host's result is reported.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BmcJob } from '../../src/bmc/jobs/job.js';
import { BMC_PASSWORD, saveHostWithBmc } from '../support/bmc-hosts.js';
import { FakeBmcs } from '../support/fake-bmc.js';
import { startTestServer, type TestServer } from '../support/server.js';

const LIMIT = 8;
let srv: TestServer;
const bmcs = new FakeBmcs();

beforeAll(async () => {
  srv = await startTestServer({
    bmcDrivers: bmcs.drivers(),
    env: { KICKSTAND_BMC_CONCURRENCY: String(LIMIT), KICKSTAND_BMC_RETRIES: '0' },
  });
});
afterAll(() => srv.stop());

describe('bulk power', () => {
  it('When 200 hosts are power-cycled in one bulk action, then at most the limit run at once, one per BMC, and every result is reported', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const address = `10.40.${i >> 8}.${i & 0xff}`;
      bmcs.machine(address, { password: BMC_PASSWORD, power: 'on', delayMs: 3 });
      ids.push((await saveHostWithBmc(srv.running.deps, `bulk-${i}`, { address })).id);
    }
    // One BMC fails, one host has none: reported as theirs, the rest go on.
    bmcs.machine('10.40.0.7', { fail: 'refused' });
    await saveHostWithBmc(srv.running.deps, 'bulk-no-bmc', { bmc: null });

    const res = await request(srv.url)
      .post('/api/v1/hosts/power')
      .set('Authorization', `Bearer ${srv.adminToken}`)
      .send({ ids: [...ids, 'bulk-no-bmc'], action: 'cycle', confirm: true })
      .expect(202);
    const jobs = res.body.jobs as { host: string; job?: string; error?: { code: string } }[];
    expect(jobs).toHaveLength(201);
    expect(jobs.at(-1)).toMatchObject({ host: 'bulk-no-bmc', error: { code: 'BMC_NOT_CONFIGURED' } });

    await srv.running.deps.bmcJobs.settled();
    const results = new Map<string, BmcJob>();
    for (const j of jobs.slice(0, 200)) {
      const job = (await request(srv.url).get(`/api/v1/bmc/jobs/${j.job!}`).set('Authorization', `Bearer ${srv.adminToken}`).expect(200))
        .body as BmcJob;
      results.set(j.host, job);
    }
    expect([...results.keys()].sort()).toEqual([...ids].sort());
    const failed = [...results.values()].filter((j) => j.status !== 'succeeded');
    expect(failed.map((j) => [j.host, j.error?.code])).toEqual([['bulk-7', 'BMC_REFUSED']]);
    expect(bmcs.calls.filter((c) => c.op === 'power')).toHaveLength(200);
    expect(bmcs.maxRunning).toBeLessThanOrEqual(LIMIT);
    expect(bmcs.maxRunning).toBeGreaterThan(1);
    expect(bmcs.maxPerAddress).toBe(1);
    // Each host's timeline has its own outcome.
    const seven = await srv.running.deps.store.hosts.get('bulk-7');
    expect(seven!.events.at(-1)?.message).toBe('power cycle failed: 10.40.0.7 refused the action');
    const other = await srv.running.deps.store.hosts.get('bulk-8');
    expect(other!.events.at(-1)?.message).toBe('power cycle: done');
  });
});
