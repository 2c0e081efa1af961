// The ipmitool driver against a real IPMI BMC: Debian's ipmi_sim on 127.0.0.1 (test/support/ipmi-sim.ts).
// Without a VM attached, ipmi_sim answers power status and mc info, and refuses power on and boot
// device changes with "Invalid data field in request": that refusal is what a BMC saying no looks like.
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BmcTarget } from '../../src/bmc/bmc.js';
import { BmcError } from '../../src/bmc/driver.js';
import { IpmitoolDriver } from '../../src/bmc/drivers/ipmitool.js';
import { startIpmiSim, type IpmiSim } from '../support/ipmi-sim.js';
import { tempDir } from '../support/temp.js';

const PASSWORD = 'Pw-only-in-env-7f3a';
let sim: IpmiSim;
let target: BmcTarget;

beforeAll(async () => {
  sim = await startIpmiSim({ user: 'kickstand', password: PASSWORD });
  target = { driver: 'ipmi', address: '127.0.0.1', port: sim.port, username: 'kickstand', password: PASSWORD, verify_tls: true };
});
afterAll(async () => {
  await sim?.stop();
});

const signal = (ms = 20_000) => AbortSignal.timeout(ms);

async function failure(promise: Promise<unknown>): Promise<BmcError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BmcError);
  return error as BmcError;
}

/** Every process's command line read again and again while `work` runs: what ps would have shown. */
async function watchCommandLines(work: () => Promise<unknown>): Promise<string[]> {
  const seen = new Set<string>();
  let done = false;
  const watcher = (async () => {
    while (!done) {
      for (const pid of await readdir('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        const line = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (line) seen.add(line.split('\0').join(' '));
      }
    }
  })();
  await work().catch(() => undefined);
  done = true;
  await watcher;
  return [...seen];
}

describe('IpmitoolDriver against ipmi_sim', () => {
  it('When the user and password are right, then power status reads the chassis (off, no VM)', async () => {
    const driver = new IpmitoolDriver({ ipmitool: 'ipmitool' });
    expect(await driver.powerState(target, signal())).toBe('off');
  });

  it('When asked to identify, then mc info gives the manufacturer, product and firmware with the power state', async () => {
    const driver = new IpmitoolDriver({ ipmitool: 'ipmitool' });
    expect(await driver.identify(target, signal())).toEqual({
      power: 'off',
      manufacturer: 'MontaVista Software, Inc.',
      model: 'product 3842 (0x0f02)',
      firmware: '9.08',
    });
  });

  it('When the password is wrong, then it is an auth error naming the BMC, without either password', async () => {
    const driver = new IpmitoolDriver({ ipmitool: 'ipmitool' });
    const error = await failure(driver.powerState({ ...target, password: 'Wrong-pass-123' }, signal()));
    expect(error.kind).toBe('auth');
    expect(error.message).toBe(`IPMI BMC 127.0.0.1:${sim.port}: wrong user or password (the BMC refused the session)`);
    expect(error.message).not.toContain('Wrong-pass-123');
    expect(error.message).not.toContain(PASSWORD);
  });

  it('When the user is unknown, then it is an auth error too', async () => {
    const driver = new IpmitoolDriver({ ipmitool: 'ipmitool' });
    expect((await failure(driver.powerState({ ...target, username: 'nobody' }, signal()))).kind).toBe('auth');
  });

  it('When the BMC refuses power on without a VM, then it is refused in the BMC words', async () => {
    const driver = new IpmitoolDriver({ ipmitool: 'ipmitool' });
    const error = await failure(driver.power(target, 'on', signal()));
    expect(error.kind).toBe('refused');
    expect(error.message).toBe(
      `IPMI BMC 127.0.0.1:${sim.port}: the BMC answered: Set Chassis Power Control to Up/On failed: Invalid data field in request`,
    );
  });

  it('When a boot device is refused (ipmitool exits 0 then), then it is still refused', async () => {
    const driver = new IpmitoolDriver({ ipmitool: 'ipmitool' });
    const error = await failure(driver.setBootDevice(target, { device: 'pxe', persistent: false, mode: 'uefi' }, signal()));
    expect(error.kind).toBe('refused');
    expect(error.message).toContain('Set Chassis Boot Parameter');
    expect(error.message).toContain('Invalid data field in request');
  });

  it('When nothing listens on the port, then a short signal ends it as unreachable or timeout', async () => {
    const driver = new IpmitoolDriver({ ipmitool: 'ipmitool' });
    const error = await failure(driver.powerState({ ...target, port: 9 }, AbortSignal.timeout(1500)));
    expect(['unreachable', 'timeout']).toContain(error.kind);
    expect(error.message).toContain('127.0.0.1:9');
  });

  it('When the signal fires mid-call, then the child is killed and it is a timeout', async () => {
    const driver = new IpmitoolDriver({ ipmitool: 'ipmitool' });
    const controller = new AbortController();
    const call = driver.powerState({ ...target, port: 9 }, controller.signal);
    setTimeout(() => controller.abort(), 200);
    const error = await failure(call);
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe('IPMI BMC 127.0.0.1:9: no answer in time');
  });

  it('When the binary is missing, then it is a clear protocol error', async () => {
    const driver = new IpmitoolDriver({ ipmitool: '/nonexistent/ipmitool' });
    const error = await failure(driver.powerState(target, signal()));
    expect(error.kind).toBe('protocol');
    expect(error.message).toContain('cannot run /nonexistent/ipmitool: ENOENT');
  });

  it('When ipmitool runs, then no process command line holds the password, but ipmitool was seen', async () => {
    const driver = new IpmitoolDriver({ ipmitool: 'ipmitool' });
    const wrong = 'Another-secret-9d2c';
    const lines = await watchCommandLines(async () => {
      await driver.identify(target, signal());
      await driver.powerState({ ...target, password: wrong }, signal()).catch(() => undefined);
      // Nothing listening: ipmitool lives until the signal, long enough to be seen for sure.
      await driver.powerState({ ...target, port: 9 }, AbortSignal.timeout(1000)).catch(() => undefined);
    });
    const ipmitoolLines = lines.filter((line) => line.startsWith('ipmitool '));
    expect(ipmitoolLines.some((line) => line.includes(`-U kickstand -E -C`))).toBe(true);
    expect(lines.filter((line) => line.includes(PASSWORD) || line.includes(wrong))).toEqual([]);
  });

  it('When suite 17 is refused, then 3 is tried and remembered for the address; the tool gets a minimal env', async () => {
    // A wrapper that logs the arguments and the environment's names, then runs the real ipmitool.
    const dir = await tempDir('kickstand-ipmitool-');
    const log = path.join(dir, 'calls.log');
    const wrapper = path.join(dir, 'ipmitool');
    await writeFile(wrapper, `#!/bin/sh\necho "$* | env: $(env | cut -d= -f1 | sort | tr '\\n' ' ')" >> ${log}\nexec ipmitool "$@"\n`);
    await chmod(wrapper, 0o755);
    const driver = new IpmitoolDriver({ ipmitool: wrapper });
    expect(await driver.powerState(target, signal())).toBe('off');
    expect(await driver.powerState(target, signal())).toBe('off');
    const calls = (await readFile(log, 'utf8')).trim().split('\n');
    expect(calls.map((line) => /-C (\d+)/.exec(line)?.[1])).toEqual(['17', '3', '3']);
    expect(calls[0]).toBe(
      `-v -I lanplus -H 127.0.0.1 -p ${sim.port} -U kickstand -E -C 17 chassis power status | env: IPMI_PASSWORD LC_ALL PATH PWD `,
    );
  });
});
