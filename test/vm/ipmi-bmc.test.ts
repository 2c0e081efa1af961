// A real IPMI BMC on a real VM: OpenIPMI's ipmi_sim owns the VM (test/vm/ipmi-sim-vm.ts): its power
// commands start and end the qemu process, its boot device reaches the next power on. The VM is the harness's
// machine with an ISA KCS interface to that BMC; it runs the stub's real %pre against the service and
// reports the BMC it sees through /dev/ipmi0. Kickstand's ipmitool driver, over RMCP+ on 127.0.0.1,
// powers it on (it registers), reads the power state, powers it off (qemu ends) and on (it registers
// again: the timeline says "rediscovered"), sets a one-time PXE boot (ipmi_sim's boot parameter 5 says
// so) and cycles it (another qemu, booted with PXE's flag, another registration).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BmcTarget } from '../../src/bmc/bmc.js';
import { createBmcDrivers } from '../../src/bmc/drivers/index.js';
import { hostDetail, INSTALLER_ARGS, installerVm, MACS, startRig, vmSuite, type Json, type Rig } from './harness.js';
import { BMC_LAN, BMC_MC, ipmitoolLan, startIpmiSimVm, type IpmiSimVm } from './ipmi-sim-vm.js';
import { qemuArgs } from './qemu.js';

const suite = vmSuite('ipmi-bmc');
const { cleanups, timings } = suite;

// The IPMI stack loads before the network comes up: ipmi_si finds the KCS interface (ACPI), and
// ipmi_devintf, which nothing loads on demand, makes /dev/ipmi0 for ipmitool.
const APPEND = [...INSTALLER_ARGS, 'rd.driver.pre=ipmi_si,ipmi_devintf'].join(' ');
const BOOT_MS = 240_000;

// Kickstand's own driver (src/bmc/drivers/ipmitool.ts), as the service builds it.
const driver = createBmcDrivers({ ipmitool: 'ipmitool' }).ipmi;
const call = () => AbortSignal.timeout(60_000);

/** The host once it registered `n` times (discovered, then rediscovered), failing early if the VM
 *  powers itself off or its %pre gives up. */
async function registration(rig: Pick<Rig, 'admin'>, sim: IpmiSimVm, n: number, from: number): Promise<Json> {
  const until = Date.now() + BOOT_MS;
  for (;;) {
    const list = (await (await rig.admin('GET', '/api/v1/hosts')).json()) as { hosts: Json[] };
    if (list.hosts.length > 1) throw new Error(`one VM, ${list.hosts.length} hosts`);
    if (list.hosts[0]) {
      const host = await hostDetail(rig, list.hosts[0].id as string);
      const seen = (host.events as Json[]).filter((e) => e.type === 'discovered' || e.type === 'rediscovered').length;
      if (seen >= n) return host;
    }
    const gaveUp = /KICKSTAND-VM: (no include|fetching the kickstart failed|power off)/.exec(sim.console().slice(from));
    if (gaveUp || sim.running() === undefined || Date.now() > until) {
      throw new Error(
        `registration ${n} did not come (${gaveUp?.[0] ?? 'qemu gone or too slow'}); console:\n${sim.console().slice(-6000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('a real IPMI BMC on a real VM', () => {
  it('When ipmi_sim owns a VM that runs the stub, then through ipmitool Kickstand powers it on (it registers and reports its BMC), reads the power, powers it off (qemu ends) and on (it registers again), sets a one-time PXE boot and cycles it', async () => {
    const rig = await startRig(cleanups);
    const args = qemuArgs(installerVm(suite.env, rig, APPEND));
    const sim = await startIpmiSimVm({ work: rig.work, qemuArgs: args });
    cleanups.push(async () => {
      await sim.stop();
      // KICKSTAND_VM_CONSOLE=DIR keeps every boot's console, as the harness does for its VMs.
      const keep = process.env.KICKSTAND_VM_CONSOLE;
      if (keep) {
        await mkdir(keep, { recursive: true });
        await writeFile(path.join(keep, 'ipmi-bmc.txt'), sim.console());
      }
    });
    const target: BmcTarget = {
      driver: 'ipmi',
      address: '127.0.0.1',
      port: sim.port,
      username: sim.username,
      password: sim.password,
      verify_tls: false,
    };

    // Plugged in, switched off: the first power on through the BMC boots it, and it registers.
    expect(await driver.powerState(target, call())).toBe('off');
    expect(sim.boots()).toEqual([]);
    let t = Date.now();
    await driver.power(target, 'on', call());
    const first = await sim.waitBoot(1, 30_000);
    const host = await registration(rig, sim, 1, 0);
    timings.onToRegistrationMs = Date.now() - t;
    expect(host.facts.nics.map((n: Json) => n.mac)).toEqual(MACS);
    // What the %pre read through /dev/ipmi0 (kickstarts/discovery/facts.sh, branch bmc-facts): the
    // LAN channel as the simulator's lan_config_program answers it, the identity from its emu file.
    // Soft: the power steps below hold on their own.
    expect.soft(host.facts.bmc).toEqual({
      channel: BMC_LAN.channel,
      ip_source: BMC_LAN.ipSource,
      ip: BMC_LAN.ip,
      netmask: BMC_LAN.netmask,
      gateway: BMC_LAN.gateway,
      mac: BMC_LAN.mac,
      vlan: null,
      manufacturer_id: BMC_MC.manufacturerId,
      product_id: BMC_MC.productId,
      firmware: BMC_MC.firmware,
      ipmi_version: '2.0',
      // The image's ipmitool has no IANA registry file, so it names no vendor.
      manufacturer: `Unknown (0x${BMC_MC.manufacturerId.toString(16)})`,
    });

    expect(await driver.powerState(target, call())).toBe('on');
    expect(await driver.identify(target, call())).toMatchObject({ power: 'on', firmware: BMC_MC.firmware });

    // Off: the qemu process ends.
    t = Date.now();
    await driver.power(target, 'off', call());
    await sim.waitGone(first.pid, 30_000);
    timings.offToQemuGoneMs = Date.now() - t;
    expect(sim.running()).toBeUndefined();
    expect(await driver.powerState(target, call())).toBe('off');

    // On again: a new qemu boots and the same host registers again.
    t = Date.now();
    let from = sim.console().length;
    await driver.power(target, 'on', call());
    const second = await sim.waitBoot(2, 30_000);
    expect(second.pid).not.toBe(first.pid);
    expect((await registration(rig, sim, 2, from)).id).toBe(host.id);
    timings.onAgainToRegistrationMs = Date.now() - t;
    expect(await driver.powerState(target, call())).toBe('on');

    // The next boot from the network, once: what "rediscover" and "reinstall" send before the cycle.
    // The BMC keeps it (boot parameter 5), the cycle's power on takes it, and it is gone after.
    await driver.setBootDevice(target, { device: 'pxe', persistent: false }, call());
    expect(await ipmitoolLan(sim, ['chassis', 'bootparam', 'get', '5'])).toMatch(/Boot Device Selector : Force PXE/);

    // Cycle: that qemu ends, another starts (from PXE, as the BMC says) and registers a third time.
    t = Date.now();
    from = sim.console().length;
    await driver.power(target, 'cycle', call());
    await sim.waitGone(second.pid, 30_000);
    const third = await sim.waitBoot(3, 60_000);
    expect(third.pid).not.toBe(second.pid);
    const last = await registration(rig, sim, 3, from);
    timings.cycleToRegistrationMs = Date.now() - t;
    expect(await ipmitoolLan(sim, ['chassis', 'bootparam', 'get', '5'])).toMatch(/Boot Device Selector : No override/);

    // One host all along, its timeline telling the three boots apart; only the cycled boot was PXE's.
    expect(((await (await rig.admin('GET', '/api/v1/hosts')).json()) as Json).hosts).toHaveLength(1);
    const registrations = (last.events as Json[]).filter((e) => e.type === 'discovered' || e.type === 'rediscovered').map((e) => e.type);
    expect(registrations).toEqual(['discovered', 'rediscovered', 'rediscovered']);
    expect(sim.boots().map((b) => b.device)).toEqual(['none', 'none', 'pxe']);
  }, 900_000);
});
