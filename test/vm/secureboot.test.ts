// Secure Boot on: OVMF's Secure Boot build with the snakeoil key enrolled (PK, KEK, db) boots Debian's
// kernel re-signed with that key alone (test/vm/secureboot.ts). Debian's kernel then locks itself down
// (integrity): kexec_load is refused, so the %pre's `kexec -s` (kexec_file_load) must carry the kexec
// action, and the kernel it loads must be signed by a key the running kernel trusts: the same
// re-signed kernel, trusted through the platform keyring (the kernel loads UEFI db into it).
import { describe, expect, it } from 'vitest';
import {
  bootInstaller,
  EXPECTED_DISKS,
  EXPECTED_DMI,
  fullHardware,
  MACS,
  startRig,
  vmSuite,
  waitRegistered,
  type Json,
} from './harness.js';
import { KEXEC_MARKER, kexecAssignment, markerInitrd, startFileServer, waitMarker } from './marker.js';
import { OVMF_SB_CODE, OVMF_SB_VARS, snakeoilKernel, type SignedKernel } from './secureboot.js';

const APPEND = 'console=ttyS0 panic=-1 kickstand.kexec=secure-boot';

let signed: SignedKernel | undefined;
const suite = vmSuite('secure boot', {
  setup: async (env) => {
    signed = await snakeoilKernel(env.image.kernel);
    env.timings.signMs = signed.ms;
  },
  summary: () => `kernel ${signed?.cached ? 'cached' : 'signed'}`,
});
const { cleanups, timings } = suite;

describe('a real kernel under Secure Boot', () => {
  it('When a VM boots with Secure Boot on and is assigned kexec, then it reports secure_boot true and kexecs through kexec_file_load into the signed kernel', async () => {
    const rig = await startRig(cleanups);
    const kernel = signed!.path;
    const initrd = await markerInitrd(rig.work, KEXEC_MARKER);
    const files = await startFileServer({ vmlinuz: kernel, 'initrd.gz': initrd });
    cleanups.push(files.stop);
    const b = bootInstaller(suite.env, rig, cleanups, 'secure-boot', {
      image: { ...suite.env.image, kernel },
      uefi: { code: OVMF_SB_CODE, vars: await rig.uefiVars(OVMF_SB_VARS), secureBoot: true },
      forwards: [files.forward],
      ...fullHardware(rig),
    });
    const host = await waitRegistered(rig, b);
    timings.bootToRegistrationMs = Date.now() - b.booted;

    // OVMF verified the kernel against db (the EFI stub says so), the kernel saw Secure Boot and
    // locked itself down, and loaded the snakeoil certificate from db.
    const boot = b.vm.console();
    expect(boot).toMatch(/EFI stub: UEFI Secure Boot is enabled/);
    expect(boot).toMatch(/secureboot: Secure boot enabled/);
    // Not "…from EFI Secure Boot" to the end: under TCG the serial console once dropped a byte of that
    // early line ("Secur Boot"). The guest's own lockdown line below is the proof of the mode.
    expect(boot).toMatch(/Kernel is locked down from EFI/);
    expect(boot).toMatch(/integrity: Loaded X\.509 cert 'SnakeOil/);
    expect(boot).toMatch(/KICKSTAND-VM: lockdown: none \[integrity\] confidentiality/);
    const facts = host.facts as Json;
    expect(facts.firmware).toEqual({ type: 'uefi', secure_boot: true });
    expect(facts.nics.map((n: Json) => n.mac)).toEqual(MACS);
    expect(facts.disks.map((d: Json) => ({ name: d.name, serial: d.serial, size_bytes: d.size_bytes }))).toEqual(
      EXPECTED_DISKS.map(({ name, serial, size_bytes }) => ({ name, serial, size_bytes })),
    );
    expect(facts.dmi).toMatchObject(EXPECTED_DMI);

    const res = await rig.admin('POST', `/api/v1/hosts/${host.id}/assignment`, kexecAssignment(files, APPEND));
    expect(res.status, await res.clone().text()).toBe(200);

    const cmdline = await waitMarker(b, KEXEC_MARKER, 180_000);
    timings.bootToKexecMarkerMs = Date.now() - b.booted;
    expect(cmdline.trim()).toBe(APPEND);
    expect(files.requests).toEqual(['/vmlinuz', '/initrd.gz']);
    const all = b.vm.console();
    // Loaded (kexec_load would have been refused under lockdown, and the %pre would have fallen back),
    // started, and the second kernel also booted with Secure Boot seen and lockdown on.
    expect(all).not.toMatch(/kexec could not load the kernel/);
    expect(all).toMatch(/kexec_core: Starting new kernel/);
    expect(all.split(/secureboot: Secure boot enabled/).length - 1).toBe(2);
    await Promise.race([b.vm.exited, new Promise((r) => setTimeout(r, 30_000))]);
  }, 600_000);
});
