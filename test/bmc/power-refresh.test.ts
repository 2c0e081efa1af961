// The background power refresh: each host with a BMC asked at most once per period, through the queue
// at low priority, host.power saved only when it changed, failures shown as "unknown" with why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { powerHost } from '../../src/bmc/actions.js';
import { PowerRefresher } from '../../src/bmc/power-refresh.js';
import type { Deps } from '../../src/deps.js';
import { BMC_PASSWORD, saveHostWithBmc } from '../support/bmc-hosts.js';
import { FakeBmcs } from '../support/fake-bmc.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
let deps: Deps;
const bmcs = new FakeBmcs();

beforeAll(async () => {
  // KICKSTAND_BMC_REFRESH=0: the service's own refresher is off; the tests drive one by its clock.
  srv = await startTestServer({
    bmcDrivers: bmcs.drivers(),
    env: { KICKSTAND_BMC_REFRESH: '0', KICKSTAND_BMC_RETRIES: '0', KICKSTAND_BMC_CONCURRENCY: '4' },
  });
  deps = srv.running.deps;
});
afterAll(() => srv.stop());

const statusCalls = (address: string) => bmcs.calls.filter((c) => c.address === address && c.op === 'status').length;

describe('power refresh', () => {
  it('When hosts are refreshed, then each is asked once per period, host.power is saved only when it changed', async () => {
    bmcs.machine('10.50.0.1', { password: BMC_PASSWORD, power: 'on' });
    bmcs.machine('10.50.0.2', { password: BMC_PASSWORD, power: 'off' });
    await saveHostWithBmc(deps, 'ref-1', { address: '10.50.0.1' });
    await saveHostWithBmc(deps, 'ref-2', { address: '10.50.0.2' });
    await saveHostWithBmc(deps, 'ref-none', { bmc: null });
    const refresher = new PowerRefresher(deps, 300);
    const t0 = 1_000_000;

    expect(await refresher.tick(t0)).toBe(2);
    await deps.bmcJobs.settled();
    expect((await deps.store.hosts.get('ref-1'))!.power?.state).toBe('on');
    expect((await deps.store.hosts.get('ref-2'))!.power?.state).toBe('off');
    const saved = await deps.store.hosts.get('ref-1');

    // Within the period: nobody is asked again.
    expect(await refresher.tick(t0 + 299_000)).toBe(0);
    expect(statusCalls('10.50.0.1')).toBe(1);

    // A period later, the same answer: asked again, nothing written (the very same record).
    expect(await refresher.tick(t0 + 300_000)).toBe(2);
    await deps.bmcJobs.settled();
    expect(statusCalls('10.50.0.1')).toBe(2);
    expect(await deps.store.hosts.get('ref-1')).toBe(saved);

    // The machine went off: the change is saved, with no timeline event (a refresh is not news).
    bmcs.machines.get('10.50.0.1')!.power = 'off';
    await refresher.tick(t0 + 600_000);
    await deps.bmcJobs.settled();
    const after = (await deps.store.hosts.get('ref-1'))!;
    expect(after.power?.state).toBe('off');
    expect(after.events).toEqual(saved!.events);
    // Refresh jobs are not kept for GET: they would push a person's jobs out.
    expect(deps.bmcJobs.list('ref-1')).toEqual([]);
  });

  it('When a BMC cannot be reached or refuses the password, then the column says unknown and why', async () => {
    bmcs.machine('10.50.1.1', { password: BMC_PASSWORD, fail: 'unreachable' });
    bmcs.machine('10.50.1.2', { password: 'other' });
    await saveHostWithBmc(deps, 'ref-down', { address: '10.50.1.1' });
    await saveHostWithBmc(deps, 'ref-auth', { address: '10.50.1.2' });
    await new PowerRefresher(deps, 300).tick();
    await deps.bmcJobs.settled();
    expect((await deps.store.hosts.get('ref-down'))!.power).toMatchObject({ state: 'unknown', error: 'no BMC answers at 10.50.1.1' });
    expect((await deps.store.hosts.get('ref-auth'))!.power).toMatchObject({
      state: 'unknown',
      error: '10.50.1.2 refused the user or password',
    });
  });

  it('When a fleet is refreshing, then a power action queued behind it runs before the refresh is done', async () => {
    for (let i = 0; i < 40; i++) {
      bmcs.machine(`10.50.2.${i}`, { password: BMC_PASSWORD, power: 'on', delayMs: 5 });
      await saveHostWithBmc(deps, `ref-fleet-${i}`, { address: `10.50.2.${i}` });
    }
    const refresher = new PowerRefresher(deps, 300);
    const finishedAt: string[] = [];
    await refresher.tick(5_000_000);
    bmcs.machine('10.50.3.1', { password: BMC_PASSWORD, power: 'off' });
    await saveHostWithBmc(deps, 'ref-act', { address: '10.50.3.1' });
    const action = await powerHost(deps, 'ref-act', 'on', { actor: 'alice', ip: '127.0.0.1' });
    // It starts at once: low work never takes every slot.
    expect(action.job.status).toBe('running');
    await action.done;
    finishedAt.push(...bmcs.calls.filter((c) => c.op === 'status' && c.address.startsWith('10.50.2.')).map((c) => c.address));
    expect(finishedAt.length).toBeLessThan(40);
    await deps.bmcJobs.settled();
  });
});
