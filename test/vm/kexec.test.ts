// The kexec action for real: the host is assigned `kexec` with a kernel (the same Debian vmlinuz) and a
// tiny initrd (static busybox, an /init that prints a marker and /proc/cmdline, then powers off), both
// served by a static server here that the guest reaches through a second per-connection forward. The
// %pre downloads them, loads them with `kexec -l` (kexec_load: no Secure Boot, no lockdown) and starts
// them with `kexec -e` (no systemctl in the image); the new kernel must come up with the assigned
// append line. secureboot.test.ts does the same through `kexec -s` under Secure Boot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootInstaller,
  fileServer,
  KEXEC_MARKER_RE,
  markerInitrd,
  startRig,
  vmEnv,
  waitRegistered,
  type Cleanups,
  type VmEnv,
} from './harness.js';
import { GUEST_SERVICE_ADDR } from './qemu.js';

const FILES_PORT = 8081;
const APPEND = 'console=ttyS0 panic=-1 kickstand.kexec=second-kernel quiet';

let env: VmEnv;
beforeAll(async () => {
  env = await vmEnv();
}, 600_000);

const cleanups: Cleanups = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  console.info(`vm test (kexec): accel ${env?.accel}, image ${env?.image.cached ? 'cached' : 'built'}`, env?.timings);
});

describe('the kexec action in a real kernel', () => {
  it('When a registered VM is assigned kexec, then it downloads the kernel and initrd, kexecs, and the new kernel runs with the assigned append line', async () => {
    const rig = await startRig(cleanups);
    const initrd = await markerInitrd(rig.work);
    const files = await fileServer({ vmlinuz: env.image.kernel, 'initrd.gz': initrd }, cleanups);
    const b = bootInstaller(env, rig, cleanups, 'kexec', {
      forwards: [{ guestAddr: GUEST_SERVICE_ADDR, guestPort: FILES_PORT, hostPort: files.port }],
    });
    const host = await waitRegistered(rig, b);
    env.timings.bootToRegistrationMs = Date.now() - b.booted;
    expect(host.facts.kexec).toMatchObject({ available: true });
    expect(host.facts.firmware).toEqual({ type: 'bios', secure_boot: false });
    expect(b.vm.console()).toMatch(/KICKSTAND-VM: lockdown: \[none\] integrity confidentiality/);

    const base = `http://${GUEST_SERVICE_ADDR}:${FILES_PORT}`;
    const res = await rig.admin('POST', `/api/v1/hosts/${host.id}/assignment`, {
      action: 'kexec',
      kernel: `${base}/vmlinuz`,
      initrd: `${base}/initrd.gz`,
      append: APPEND,
    });
    expect(res.status, await res.clone().text()).toBe(200);

    const m = await Promise.race([b.vm.waitFor(KEXEC_MARKER_RE, 180_000), b.fail]);
    env.timings.bootToKexecMarkerMs = Date.now() - b.booted;
    expect(m[1]!.trim()).toBe(APPEND);
    expect(files.asked).toEqual(['/vmlinuz', '/initrd.gz']);
    expect(b.vm.console()).toMatch(/kickstand: systemctl kexec failed; trying kexec -e/);
    // The marker kernel powers off: qemu ends by itself.
    await Promise.race([b.vm.exited, new Promise((r) => setTimeout(r, 30_000))]);
  }, 420_000);
});
