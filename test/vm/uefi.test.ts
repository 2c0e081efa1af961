// The boot of boot.test.ts under UEFI: OVMF (Debian 12's ovmf, 4 MiB pflash pair, no Secure Boot keys)
// starts the same kernel and initramfs, which qemu hands it through fw_cfg (-kernel/-initrd); the %pre
// must see /sys/firmware/efi and report UEFI without Secure Boot. Then the reboot action for real: the
// %pre calls `reboot`, the kernel restarts the machine and qemu (-no-reboot) exits by itself; powered
// on again, the machine boots into discovery once more and the service closes the reboot.
import { describe, expect, it } from 'vitest';
import {
  bootInstaller,
  EXPECTED_DMI,
  fullHardware,
  hostDetail,
  MACS,
  OVMF_CODE,
  startRig,
  vmSuite,
  waitRegistered,
  type Json,
} from './harness.js';

const suite = vmSuite('uefi');
const { cleanups, timings } = suite;

describe('a real kernel boots into the discovery stub under UEFI, and reboots when told', () => {
  it('When a VM boots under OVMF and is assigned reboot, then it registers firmware uefi, reboots through the kernel, and its next boot is recorded as the reboot done', async () => {
    const rig = await startRig(cleanups);
    const vars = await rig.uefiVars();
    const b = bootInstaller(suite.env, rig, cleanups, 'uefi', { uefi: { code: OVMF_CODE, vars }, ...fullHardware(rig) });
    const host = await waitRegistered(rig, b);
    timings.bootToRegistrationMs = Date.now() - b.booted;

    expect(b.vm.console()).toMatch(/efi: EFI v\d/);
    expect(host.facts.firmware).toEqual({ type: 'uefi', secure_boot: false });
    expect(host.facts.nics.map((n: { mac: string }) => n.mac)).toEqual(MACS);
    expect(host.boot_mac).toBe(MACS[0]);
    expect(host.facts.dmi).toMatchObject(EXPECTED_DMI);

    const res = await rig.admin('POST', `/api/v1/hosts/${host.id}/assignment`, { action: 'reboot' });
    expect(res.status, await res.clone().text()).toBe(200);
    const assignedAt = Date.now();
    // qemu -no-reboot: the guest's reboot ends qemu, with no kill from here.
    const code = await Promise.race([b.vm.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 120_000))]);
    timings.rebootToExitMs = Date.now() - assignedAt;
    const consoleText = b.vm.console();
    expect(code, consoleText.slice(-4000)).toBe(0);
    // The reboot path: the %pre's state, the reboot command (systemd's stand-in), the kernel's restart;
    // not anaconda-ks.sh's power-off after a %pre that returned.
    expect(consoleText).toMatch(/kickstand: rebooting \(requested by Kickstand\)/);
    expect(consoleText).toMatch(/KICKSTAND-VM: reboot  ?\(systemd stand-in/);
    expect(consoleText).toMatch(/reboot: Restarting system/);
    expect(consoleText).not.toMatch(/KICKSTAND-VM: power off|reboot: Power down|%pre exit/);

    // The answer was delivered: provisioning, the reboot still assigned until the machine is back.
    const after = await hostDetail(rig, host.id as string);
    expect(after.state).toBe('provisioning');
    expect(after.assignment).toEqual({ action: 'reboot' });
    expect(after.events.filter((e: Json) => e.type === 'delivered').map((e: Json) => e.message)).toEqual([
      expect.stringMatching(/^reboot answer delivered to /),
    ]);

    // Power on again (same NICs, disks and variable store): the machine registers again, and the
    // service records the reboot as done and waits for the next assignment.
    const again = bootInstaller(suite.env, rig, cleanups, 'uefi-again', { uefi: { code: OVMF_CODE, vars }, ...fullHardware(rig) });
    let back: Json = after;
    while (!(back.state === 'discovered' && back.events.some((e: Json) => e.type === 'rebooted'))) {
      await Promise.race([new Promise((r) => setTimeout(r, 1000)), again.fail]);
      if (Date.now() - again.booted > 240_000) throw new Error(`no rediscovery; console:\n${again.vm.console().slice(-4000)}`);
      back = await hostDetail(rig, host.id as string);
    }
    timings.secondBootToRediscoveryMs = Date.now() - again.booted;
    expect(back.assignment).toBeUndefined();
    expect(((await (await rig.admin('GET', '/api/v1/hosts')).json()) as Json).hosts).toHaveLength(1);
  }, 600_000);
});
