// The kexec action for real: the host is assigned `kexec` with a kernel (the same Debian vmlinuz) and a
// tiny initrd (static busybox, an /init that prints a marker and /proc/cmdline, then powers off), both
// served by a static server here that the guest reaches through a second per-connection forward. The
// %pre downloads them, loads them with `kexec -l` (kexec_load: no Secure Boot, no lockdown) and starts
// them with `kexec -e` (no systemctl in the image); the new kernel must come up with the assigned
// append line. secureboot.test.ts does the same through `kexec -s` under Secure Boot.
import { describe, expect, it } from 'vitest';
import { bootInstaller, startRig, vmSuite, waitRegistered } from './harness.js';
import { KEXEC_MARKER, kexecAssignment, markerInitrd, startFileServer, waitMarker } from './marker.js';

const APPEND = 'console=ttyS0 panic=-1 kickstand.kexec=second-kernel quiet';

const suite = vmSuite('kexec');
const { cleanups, timings } = suite;

describe('the kexec action in a real kernel', () => {
  it('When a registered VM is assigned kexec, then it downloads the kernel and initrd, kexecs, and the new kernel runs with the assigned append line', async () => {
    const rig = await startRig(cleanups);
    const initrd = await markerInitrd(rig.work, KEXEC_MARKER);
    const files = await startFileServer({ vmlinuz: suite.env.image.kernel, 'initrd.gz': initrd });
    cleanups.push(files.stop);
    const b = bootInstaller(suite.env, rig, cleanups, 'kexec', { forwards: [files.forward] });
    const host = await waitRegistered(rig, b);
    timings.bootToRegistrationMs = Date.now() - b.booted;
    expect(host.facts.kexec).toMatchObject({ available: true });
    expect(host.facts.firmware).toEqual({ type: 'bios', secure_boot: false });
    expect(b.vm.console()).toMatch(/KICKSTAND-VM: lockdown: \[none\] integrity confidentiality/);

    const res = await rig.admin('POST', `/api/v1/hosts/${host.id}/assignment`, kexecAssignment(files, APPEND));
    expect(res.status, await res.clone().text()).toBe(200);

    const cmdline = await waitMarker(b, KEXEC_MARKER, 180_000);
    timings.bootToKexecMarkerMs = Date.now() - b.booted;
    expect(cmdline.trim()).toBe(APPEND);
    expect(files.requests).toEqual(['/vmlinuz', '/initrd.gz']);
    expect(b.vm.console()).toMatch(/kickstand: systemctl kexec failed; trying kexec -e/);
    // The marker kernel powers off: qemu ends by itself.
    await Promise.race([b.vm.exited, new Promise((r) => setTimeout(r, 30_000))]);
  }, 420_000);
});
