// Secure Boot on: OVMF's Secure Boot build with the snakeoil key enrolled (PK, KEK, db) boots Debian's
// kernel re-signed with that key alone (test/vm/secureboot.ts). Debian's kernel then locks itself down
// (integrity): kexec_load is refused, so the %pre's `kexec -s` (kexec_file_load) must carry the kexec
// action, and the kernel it loads must be signed by a key the running kernel trusts: the same
// re-signed kernel, trusted through the platform keyring (the kernel loads UEFI db into it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootInstaller,
  EXPECTED_DISKS,
  EXPECTED_DMI,
  fileServer,
  fullHardware,
  KEXEC_MARKER_RE,
  MACS,
  markerInitrd,
  startRig,
  vmEnv,
  waitRegistered,
  type Cleanups,
  type Json,
  type VmEnv,
} from './harness.js';
import { GUEST_SERVICE_ADDR } from './qemu.js';
import { OVMF_SB_CODE, OVMF_SB_VARS, snakeoilKernel, type SignedKernel } from './secureboot.js';

const FILES_PORT = 8081;
const APPEND = 'console=ttyS0 panic=-1 kickstand.kexec=secure-boot';

let env: VmEnv;
let signed: SignedKernel;
beforeAll(async () => {
  env = await vmEnv();
  signed = await snakeoilKernel(env.image.kernel);
  env.timings.signMs = signed.ms;
}, 600_000);

const cleanups: Cleanups = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  console.info(`vm test (secure boot): accel ${env?.accel}, kernel ${signed?.cached ? 'cached' : 'signed'}`, env?.timings);
});

describe('a real kernel under Secure Boot', () => {
  it('When a VM boots with Secure Boot on and is assigned kexec, then it reports secure_boot true and kexecs through kexec_file_load into the signed kernel', async () => {
    const rig = await startRig(cleanups);
    const initrd = await markerInitrd(rig.work);
    const files = await fileServer({ vmlinuz: signed.path, 'initrd.gz': initrd }, cleanups);
    const b = bootInstaller(env, rig, cleanups, 'secure-boot', {
      image: { ...env.image, kernel: signed.path },
      uefi: { code: OVMF_SB_CODE, vars: await rig.uefiVars(OVMF_SB_VARS), secureBoot: true },
      forwards: [{ guestAddr: GUEST_SERVICE_ADDR, guestPort: FILES_PORT, hostPort: files.port }],
      ...fullHardware(rig),
    });
    const host = await waitRegistered(rig, b);
    env.timings.bootToRegistrationMs = Date.now() - b.booted;

    // OVMF verified the kernel against db (the EFI stub says so), the kernel saw Secure Boot and
    // locked itself down, and loaded the snakeoil certificate from db.
    const boot = b.vm.console();
    expect(boot).toMatch(/EFI stub: UEFI Secure Boot is enabled/);
    expect(boot).toMatch(/secureboot: Secure boot enabled/);
    expect(boot).toMatch(/Kernel is locked down from EFI Secure Boot/);
    expect(boot).toMatch(/integrity: Loaded X\.509 cert 'SnakeOil/);
    expect(boot).toMatch(/KICKSTAND-VM: lockdown: none \[integrity\] confidentiality/);
    const facts = host.facts as Json;
    expect(facts.firmware).toEqual({ type: 'uefi', secure_boot: true });
    expect(facts.nics.map((n: Json) => n.mac)).toEqual(MACS);
    expect(facts.disks.map((d: Json) => ({ name: d.name, serial: d.serial, size_bytes: d.size_bytes }))).toEqual(
      EXPECTED_DISKS.map(({ name, serial, size_bytes }) => ({ name, serial, size_bytes })),
    );
    expect(facts.dmi).toMatchObject(EXPECTED_DMI);

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
    const all = b.vm.console();
    // Loaded (kexec_load would have been refused under lockdown, and the %pre would have fallen back),
    // started, and the second kernel also booted with Secure Boot seen and lockdown on.
    expect(all).not.toMatch(/kexec could not load the kernel/);
    expect(all).toMatch(/kexec_core: Starting new kernel/);
    expect(all.split(/secureboot: Secure boot enabled/).length - 1).toBe(2);
    await Promise.race([b.vm.exited, new Promise((r) => setTimeout(r, 30_000))]);
  }, 600_000);
});
