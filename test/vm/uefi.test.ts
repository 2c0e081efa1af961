// The boot of boot.test.ts under UEFI: OVMF (Debian 12's ovmf, 4 MiB pflash pair, no Secure Boot keys)
// starts the same kernel and initramfs, which qemu hands it through fw_cfg (-kernel/-initrd); the %pre
// must see /sys/firmware/efi and report UEFI without Secure Boot.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootInstaller, MACS, OVMF_CODE, OVMF_VARS, startRig, vmEnv, waitRegistered, type Cleanups, type VmEnv } from './harness.js';

let env: VmEnv;
beforeAll(async () => {
  env = await vmEnv();
}, 600_000);

const cleanups: Cleanups = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  console.info(`vm test (uefi): accel ${env?.accel}, image ${env?.image.cached ? 'cached' : 'built'}`, env?.timings);
});

describe.skipIf(!existsSync(OVMF_CODE) || !existsSync(OVMF_VARS))('a real kernel boots into the discovery stub under UEFI', () => {
  it('When a VM boots under OVMF with inst.ks= pointing at the service, then it registers firmware uefi without Secure Boot', async () => {
    const rig = await startRig(cleanups);
    const b = bootInstaller(env, rig, cleanups, 'uefi', { uefi: { code: OVMF_CODE, vars: await rig.uefiVars() } });
    const host = await waitRegistered(rig, b);
    env.timings.bootToRegistrationMs = Date.now() - b.booted;

    expect(b.vm.console()).toMatch(/EFI v\d|efi: EFI v/);
    expect(host.facts.firmware).toEqual({ type: 'uefi', secure_boot: false });
    expect(host.facts.nics.map((n: { mac: string }) => n.mac)).toEqual(MACS);
    expect(host.boot_mac).toBe(MACS[0]);
  }, 300_000);
});
