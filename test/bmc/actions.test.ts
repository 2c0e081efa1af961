// The BMC actions on one host through the real service's deps and simulated BMCs: each action's
// outcome on the timeline, in the audit and in host.power; rediscover and reinstall step by step; each
// failure kind's clear message; one failing BMC does not hold up another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { powerHost, powerStatus, setBootDevice, testBmc } from '../../src/bmc/actions.js';
import { reinstallHost, rediscoverHost } from '../../src/bmc/compound.js';
import type { Deps } from '../../src/deps.js';
import { BMC_PASSWORD, saveHostWithBmc } from '../support/bmc-hosts.js';
import { FakeBmcs } from '../support/fake-bmc.js';
import { startTestServer, type TestServer } from '../support/server.js';

const caller = { actor: 'alice', ip: '127.0.0.1' };
let srv: TestServer;
let deps: Deps;
const bmcs = new FakeBmcs();

beforeAll(async () => {
  srv = await startTestServer({ bmcDrivers: bmcs.drivers(), env: { KICKSTAND_BMC_RETRIES: '0', KICKSTAND_BMC_TIMEOUT_MS: '200' } });
  deps = srv.running.deps;
});
afterAll(() => srv.stop());

let n = 0;
async function hostAt(opts: Parameters<typeof saveHostWithBmc>[2] & { machine?: Parameters<FakeBmcs['machine']>[1] } = {}) {
  const address = opts.address ?? `10.20.0.${++n}`;
  bmcs.machine(address, { password: BMC_PASSWORD, ...opts.machine });
  return saveHostWithBmc(deps, `act-${++n}`, { ...opts, address });
}
const host = async (id: string) => (await deps.store.hosts.get(id))!;
const trail = async (action: string, target: string) => deps.store.audit.list({ action, target, limit: 10 });
const events = async (id: string) => (await host(id)).events.map((e) => `${e.type}: ${e.message}`);

describe('power actions', () => {
  it.each([
    ['on', 'off', 'on'],
    ['off', 'on', 'off'],
    ['cycle', 'on', 'on'],
    ['reset', 'on', 'on'],
  ] as const)(
    'When power %s is asked of a machine that is %s, then the BMC does it, the timeline says so and host.power is %s',
    async (action, before, after) => {
      const h = await hostAt({ machine: { power: before } });
      const job = await (await powerHost(deps, h.id, action, caller)).done;
      expect(job.status).toBe('succeeded');
      expect(bmcs.machines.get(h.bmc!.address)!.power).toBe(after);
      expect((await host(h.id)).power?.state).toBe(after);
      expect((await events(h.id)).at(-1)).toMatch(new RegExp(`^power-${action}: .*: done$`));
      expect((await trail('host.power', h.id))[0]).toMatchObject({ actor: 'alice', detail: `${action}: done` });
    },
  );

  it('When soft-off is accepted, then host.power is left to the refresh (the OS shuts down in its own time)', async () => {
    const h = await hostAt({ machine: { power: 'on' } });
    expect((await (await powerHost(deps, h.id, 'soft-off', caller)).done).status).toBe('succeeded');
    expect((await host(h.id)).power).toBeUndefined();
    expect((await events(h.id)).at(-1)).toBe('power-soft-off: soft power off: done');
  });

  it('When the status is asked, then the answer is the job result and host.power, and the timeline is left alone', async () => {
    const h = await hostAt({ machine: { power: 'on' } });
    const job = await (await powerStatus(deps, h.id, caller)).done;
    expect(job.result).toBe('on');
    expect(job.steps).toEqual([expect.objectContaining({ name: 'power status', message: 'on' })]);
    expect((await host(h.id)).power).toMatchObject({ state: 'on' });
    // Any role may ask: a hundred asks must not push what matters off the timeline.
    for (let i = 0; i < 3; i++) await (await powerStatus(deps, h.id, caller)).done;
    expect(await events(h.id)).toEqual([]);
  });

  it('When the boot device is set, then the BMC has it and it is on the timeline and audited', async () => {
    const h = await hostAt();
    const job = await (await setBootDevice(deps, h.id, { device: 'pxe', persistent: false, mode: 'uefi' }, caller)).done;
    expect(job.status).toBe('succeeded');
    expect(bmcs.machines.get(h.bmc!.address)!.boot).toEqual({ device: 'pxe', persistent: false, mode: 'uefi' });
    expect((await events(h.id)).at(-1)).toBe('boot-device: next boot pxe (once, uefi): set');
    expect((await trail('host.boot-device', h.id))[0]?.detail).toBe('pxe (once, uefi): done');
  });

  it('When the connection is tested, then the power state and the identity are answered', async () => {
    const h = await hostAt({ machine: { power: 'off' } });
    const job = await (await testBmc(deps, h.id, caller)).done;
    expect(job.result).toEqual({ power: 'off', manufacturer: 'Fake BMC', firmware: '1.0' });
    expect((await events(h.id)).at(-1)).toBe('bmc-test: BMC test: answered, power off, Fake BMC, firmware 1.0');
  });

  it('When the host has no BMC, then nothing is queued: BMC_NOT_CONFIGURED', async () => {
    const h = await saveHostWithBmc(deps, 'no-bmc-1', { bmc: null });
    await expect(powerHost(deps, h.id, 'on', caller)).rejects.toMatchObject({ code: 'BMC_NOT_CONFIGURED', status: 409 });
    await expect(powerHost(deps, 'nope', 'on', caller)).rejects.toMatchObject({ code: 'HOST_NOT_FOUND' });
  });

  it('When the BMC has no user and password, then the job fails as BMC_NOT_CONFIGURED naming what is missing', async () => {
    const h = await hostAt({ bmc: { username: undefined } });
    const job = await (await powerHost(deps, h.id, 'on', caller)).done;
    expect(job.error).toMatchObject({ code: 'BMC_NOT_CONFIGURED' });
    expect(job.error!.message).toMatch(/has no credentials: give it a user and password/);
  });
});

describe('failures', () => {
  it.each([
    ['unreachable', 'BMC_UNREACHABLE', /no BMC answers at/],
    ['timeout', 'BMC_TIMEOUT', /timed out|no answer/],
    ['refused', 'BMC_REFUSED', /refused the action/],
  ] as const)('When the BMC is %s, then the job fails as %s and the timeline says why', async (fail, code, message) => {
    const h = await hostAt({ machine: { fail } });
    const job = await (await powerHost(deps, h.id, 'cycle', caller)).done;
    expect(job.error?.code).toBe(code);
    expect(job.error?.message).toMatch(message);
    const last = (await events(h.id)).at(-1)!;
    expect(last).toMatch(/^power-cycle: power cycle failed: /);
    expect(last).toMatch(message);
    expect((await trail('host.power', h.id))[0]?.detail).toBe(`cycle: failed (${code})`);
  });

  it('When the password is wrong, then BMC_AUTH says so, the power becomes unknown with why, and the password is nowhere', async () => {
    const h = await hostAt({ machine: { password: 'the-right-one' } });
    const job = await (await powerStatus(deps, h.id, caller)).done;
    expect(job.error).toMatchObject({ code: 'BMC_AUTH', message: `${h.bmc!.address} refused the user or password` });
    expect((await host(h.id)).power).toMatchObject({ state: 'unknown', error: `${h.bmc!.address} refused the user or password` });
    const everything = JSON.stringify([job, await host(h.id), await deps.store.audit.list({ limit: 1000 }), srv.logs]);
    expect(everything).not.toContain(BMC_PASSWORD);
  });

  it('When the BMC answers "cannot reset a machine that is off", then that is the message', async () => {
    const h = await hostAt({ machine: { power: 'off' } });
    const job = await (await powerHost(deps, h.id, 'reset', caller)).done;
    expect(job.error).toMatchObject({ code: 'BMC_REFUSED', message: 'cannot reset a machine that is off' });
  });

  it('When one BMC hangs, then actions on another host finish meanwhile', async () => {
    const stuck = await hostAt({ machine: { fail: 'timeout' } });
    const fine = await hostAt({ machine: { power: 'off' } });
    const slow = await powerHost(deps, stuck.id, 'on', caller);
    const quick = await (await powerHost(deps, fine.id, 'on', caller)).done;
    expect(quick.status).toBe('succeeded');
    expect(deps.bmcJobs.get(slow.job.id)?.status).toBe('running');
    expect((await slow.done).error?.code).toBe('BMC_TIMEOUT');
  });
});

describe('compound actions', () => {
  it('When a failed host is rediscovered, then it is reset, PXE is set for one boot and it is cycled, each step on the timeline', async () => {
    const h = await hostAt({ state: 'failed', machine: { power: 'on' } });
    const job = await (await rediscoverHost(deps, h.id, caller)).done;
    expect(job.status).toBe('succeeded');
    expect(job.steps.map((s) => [s.name, s.outcome])).toEqual([
      ['reset', 'succeeded'],
      ['one-time PXE boot', 'succeeded'],
      ['power cycle', 'succeeded'],
    ]);
    const m = bmcs.machines.get(h.bmc!.address)!;
    expect(m.boot).toEqual({ device: 'pxe', persistent: false });
    expect(bmcs.calls.filter((c) => c.address === h.bmc!.address).map((c) => `${c.op}:${JSON.stringify(c.arg ?? '')}`)).toEqual([
      'boot:{"device":"pxe","persistent":false}',
      'status:""',
      'power:"cycle"',
    ]);
    const after = await host(h.id);
    expect(after.state).toBe('discovered');
    expect(after.events.filter((e) => e.type === 'rediscover').map((e) => e.message)).toEqual([
      'rediscover started: reset → one-time PXE boot → power cycle',
      'step 1/3 reset: discovered: waits for an assignment',
      'step 2/3 one-time PXE boot: next boot from the network',
      'step 3/3 power cycle: power cycled',
      'rediscover done',
    ]);
    expect((await trail('host.rediscover', h.id))[0]?.detail).toBe('done');
  });

  it('When a machine that is off is rediscovered, then it is powered on instead of cycled', async () => {
    const h = await hostAt({ state: 'discovered', machine: { power: 'off' } });
    const job = await (await rediscoverHost(deps, h.id, caller)).done;
    expect(job.steps.map((s) => s.message)).toEqual([
      'already waiting for an assignment',
      'next boot from the network',
      'was off: powered on',
    ]);
    expect(bmcs.machines.get(h.bmc!.address)!.power).toBe('on');
  });

  it('When an installed host is reinstalled, then it is reprovisioned, PXE once, cycled', async () => {
    const h = await hostAt({ state: 'installed', machine: { power: 'on' } });
    const job = await (await reinstallHost(deps, h.id, caller)).done;
    expect(job.status).toBe('succeeded');
    const after = await host(h.id);
    expect(after.state).toBe('discovered');
    expect(after.events.filter((e) => e.type === 'reinstall').at(-1)?.message).toBe('reinstall done');
    expect((await trail('host.reinstall', h.id))[0]?.detail).toBe('done');
  });

  it('When the boot device cannot be set, then the job stops there, says which step, and the machine is not cycled', async () => {
    const h = await hostAt({ state: 'installed', machine: { power: 'on', fail: 'refused' } });
    const job = await (await reinstallHost(deps, h.id, caller)).done;
    expect(job.error).toMatchObject({ code: 'BMC_REFUSED', step: 'one-time PXE boot' });
    expect(job.steps.map((s) => s.outcome)).toEqual(['succeeded', 'failed']);
    expect(bmcs.calls.filter((c) => c.address === h.bmc!.address && c.op === 'power')).toEqual([]);
    const last = (await host(h.id)).events.filter((e) => e.type === 'reinstall').at(-1)?.message;
    expect(last).toBe(`reinstall stopped at step 2/3 one-time PXE boot: ${h.bmc!.address} refused the action`);
  });

  it('When reinstall is asked of a host that is not installed, then it stops at the reprovision step and the BMC is left alone', async () => {
    const h = await hostAt({ state: 'discovered' });
    const job = await (await reinstallHost(deps, h.id, caller)).done;
    expect(job.error).toMatchObject({ code: 'INVALID_TRANSITION', step: 'reprovision' });
    expect(bmcs.calls.filter((c) => c.address === h.bmc!.address)).toEqual([]);
  });
});
