// The bulk test again, through the real Redfish driver over HTTPS: 200 hosts power-cycled in one bulk
// action against 200 Redfish services (test/support/redfish-sim.ts, each its own port, so its own BMC to
// the queue). Every service sees one operation at a time, no more than the limit are busy at once, and
// every host's outcome is reported and happened: each service recorded its PowerCycle.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BmcJob } from '../../src/bmc/jobs/job.js';
import { saveHostWithBmc } from '../support/bmc-hosts.js';
import { startRedfishSims, type RedfishSims } from '../support/redfish-sim.js';
import { startTestServer, type TestServer } from '../support/server.js';

const LIMIT = 8;
const COUNT = 200;
let srv: TestServer;
let sims: RedfishSims;

beforeAll(async () => {
  sims = await startRedfishSims(COUNT, { username: 'root', password: 'calvin-rack-7' });
  // No bmcDrivers override: the service's own drivers, as in production.
  // No background refresh: its status checks would be sessions of their own on these BMCs.
  srv = await startTestServer({
    env: { KICKSTAND_BMC_CONCURRENCY: String(LIMIT), KICKSTAND_BMC_RETRIES: '0', KICKSTAND_BMC_REFRESH: '0' },
  });
}, 60_000);
afterAll(async () => {
  await srv?.stop();
  await sims?.stop();
});

describe('bulk power through Redfish', () => {
  it('When 200 hosts are power-cycled in one bulk action against 200 Redfish BMCs, then at most the limit are busy at once, each BMC one at a time, and every cycle is reported and done', async () => {
    const ids: string[] = [];
    for (const [i, bmc] of sims.bmcs.entries()) {
      const host = await saveHostWithBmc(srv.running.deps, `rf-${i}`, {
        password: 'calvin-rack-7',
        bmc: { driver: 'redfish', address: '127.0.0.1', port: bmc.port, username: 'root', verify_tls: true, ca_file: sims.caFile },
      });
      ids.push(host.id);
    }
    // One BMC answers every action with a 500: its host's row says so, the others go on.
    sims.bmcs[13]!.options.fail = { status: 500, message: 'Internal error: the power controller did not answer.' };

    const res = await request(srv.url)
      .post('/api/v1/hosts/power')
      .set('Authorization', `Bearer ${srv.adminToken}`)
      .send({ ids, action: 'cycle', confirm: true })
      .expect(202);
    const jobs = res.body.jobs as { host: string; job: string }[];
    expect(jobs.map((j) => j.host)).toEqual(ids);
    await srv.running.deps.bmcJobs.settled();

    const outcomes = new Map<string, BmcJob>();
    for (const j of jobs) {
      const job = (await request(srv.url).get(`/api/v1/bmc/jobs/${j.job}`).set('Authorization', `Bearer ${srv.adminToken}`).expect(200))
        .body as BmcJob;
      outcomes.set(j.host, job);
    }
    const failed = [...outcomes.values()].filter((j) => j.status !== 'succeeded');
    expect(failed.map((j) => [j.host, j.error?.code])).toEqual([['rf-13', 'BMC_REFUSED']]);
    expect(failed[0]!.error?.message).toContain('the power controller did not answer');

    for (const [i, bmc] of sims.bmcs.entries()) {
      const resets = bmc.actions.filter((a) => a.method === 'POST' && a.path.endsWith('ComputerSystem.Reset'));
      expect(resets, `BMC ${i}`).toHaveLength(1);
      if (i !== 13) expect(resets[0]!.body).toEqual({ ResetType: 'PowerCycle' });
      // One operation at a time per BMC: its requests never overlapped.
      expect(bmc.maxInFlight, `BMC ${i}`).toBe(1);
      // Every session it opened was closed again.
      expect(bmc.sessions.size, `BMC ${i}`).toBe(0);
    }
    // How many BMCs were busy at once: the most session spans (login to logout) open at one moment.
    const edges = sims.bmcs
      .flatMap((b) => b.sessionSpans)
      .flatMap((s) => [
        { at: s.from, d: 1 },
        { at: s.to ?? Infinity, d: -1 },
      ])
      .sort((a, b) => a.at - b.at || a.d - b.d);
    let busy = 0;
    let busyMax = 0;
    for (const e of edges) busyMax = Math.max(busyMax, (busy += e.d));
    expect(edges).toHaveLength(2 * COUNT);
    expect(busyMax).toBeLessThanOrEqual(LIMIT);
    expect(busyMax).toBeGreaterThan(1);
    const thirteen = await srv.running.deps.store.hosts.get('rf-13');
    expect(thirteen!.events.at(-1)?.message).toMatch(/^power cycle failed: .*the power controller did not answer/);
  }, 240_000);
});
