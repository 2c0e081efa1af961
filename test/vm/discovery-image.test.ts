// The dracut discovery image in a real kernel: built by `kickstand discovery-image build` (cached by
// content hash), booted under qemu like the service's iPXE entry boots it (ip=dhcp rd.neednet=1
// kickstand.url=… BOOTIF=…). Its pre-mount hook runs the stub's facts and poll code, registers, and
// when the host is assigned kexec it downloads the marker kernel and initrd and kexecs into them: the
// marker and the assigned append line must show on the second kernel's console. A second VM boots the
// way a rack machine does, from the network: iPXE's option ROM runs the service's /discovery/boot/ipxe
// and fetches both files from the service over HTTP; it registers, and a reboot answer resets it.
import { describe, expect, it } from 'vitest';
import { discoveryImageCommand } from '../../src/cli/discovery-image.js';
import { discoveryImage, type CachedImage } from '../discovery-image/cached-image.js';
import { netbootVm } from '../discovery-image/netboot-vm.js';
import {
  BOOTIF,
  bootInstaller,
  CPUS,
  DISK,
  hostDetail,
  MACS,
  MEMORY_MIB,
  PUBLIC_URL,
  SMBIOS,
  startRig,
  vmSuite,
  waitRegistered,
  watchVm,
} from './harness.js';
import { KEXEC_MARKER, kexecAssignment, markerInitrd, startFileServer, waitMarker } from './marker.js';
import { GUEST_SERVICE_ADDR, GUEST_SERVICE_PORT } from './qemu.js';

const APPEND = 'console=ttyS0 panic=-1 kickstand.kexec=from-discovery-image quiet';

let image: CachedImage | undefined;
// The accelerator as the other VM tests probe it (vmEnv: memoised in the cache folder).
const suite = vmSuite('discovery image', {
  setup: async (env) => {
    image = await discoveryImage(async (out) => {
      let text = '';
      await discoveryImageCommand(['build', '-o', out], (t) => (text += t));
      return text;
    });
    env.timings.buildMs = image.buildMs;
  },
  setupMs: 900_000,
  summary: () => `image ${image?.cached ? 'cached' : 'built'} ${image?.dir}${image?.output ? `\n${image.output}` : ''}`,
});
const { cleanups, timings } = suite;

describe('the dracut discovery image in a real kernel', () => {
  it('When the image boots with kickstand.url=, then it registers through dracut’s DHCP lease, and an assigned kexec starts the assigned kernel with its append line', async () => {
    const img = image!;
    const rig = await startRig(cleanups);
    const initrd = await markerInitrd(rig.work, KEXEC_MARKER);
    const files = await startFileServer({ vmlinuz: img.vmlinuz, 'initrd.gz': initrd });
    cleanups.push(files.stop);
    // The installer's VM (hardware, disk, forward) with the discovery image's kernel, initrd and arguments.
    const b = bootInstaller(suite.env, rig, cleanups, 'discovery-image', {
      image: { kernel: img.vmlinuz, initramfs: img.initrd, kver: img.kver, missingTools: [], cached: img.cached, buildMs: img.buildMs },
      append: ['ip=dhcp', 'rd.neednet=1', `kickstand.url=${PUBLIC_URL}`, BOOTIF].join(' '),
      forwards: [files.forward],
    });
    const { vm } = b;

    const host = await waitRegistered(rig, b);
    timings.bootToRegistrationMs = Date.now() - b.booted;
    expect(host.boot_mac).toBe(MACS[0]);
    expect(host.facts.nics.map((n: { mac: string }) => n.mac)).toEqual(MACS);
    expect(host.facts.kernel.cmdline).toContain(`kickstand.url=${PUBLIC_URL}`);
    expect(host.facts.dmi).toMatchObject({ vendor: SMBIOS.manufacturer, serial: SMBIOS.serial });
    expect(host.facts.disks).toEqual([expect.objectContaining({ name: 'vda', serial: DISK.serial, size_bytes: DISK.bytes })]);
    expect(host.facts.kexec).toMatchObject({ available: true });
    // The lease dracut's dhclient got is the one the facts report: no second DHCP client ran.
    expect(host.facts.nics[0].ipv4).toEqual(['10.0.2.15/24']);
    // Progress on the console, from the same set_state the %pre uses.
    await vm.waitFor(/kickstand: waiting for an assignment/, 30_000);

    const res = await rig.admin('POST', `/api/v1/hosts/${host.id}/assignment`, kexecAssignment(files, APPEND));
    expect(res.status, await res.clone().text()).toBe(200);

    const cmdline = await waitMarker(b, KEXEC_MARKER, 180_000);
    timings.bootToKexecMarkerMs = Date.now() - b.booted;
    expect(cmdline.trim()).toBe(APPEND);
    expect(files.requests).toEqual(['/vmlinuz', '/initrd.gz']);
    expect(vm.console()).toMatch(/kickstand: kexec: starting the new kernel/);
    await Promise.race([vm.exited, new Promise((r) => setTimeout(r, 30_000))]);
  }, 600_000);

  it('When a machine network-boots through iPXE, then the service’s iPXE entry loads both files from Kickstand over HTTP, the image registers with the boot NIC iPXE named, and a reboot answer resets it', async () => {
    const rig = await startRig(cleanups, {}, { env: { KICKSTAND_DISCOVERY_IMAGE_DIR: image!.dir } });
    const vm = netbootVm({
      accel: suite.env.accel,
      bootfile: `${PUBLIC_URL}/discovery/boot/ipxe`,
      guestAddr: GUEST_SERVICE_ADDR,
      guestPort: GUEST_SERVICE_PORT,
      servicePort: rig.srv.port,
      mac: MACS[0]!,
      memoryMib: MEMORY_MIB,
      cpus: CPUS,
    });
    const b = watchVm(vm, cleanups, 'discovery-image-ipxe');

    const host = await waitRegistered(rig, b, 420_000);
    timings.ipxeBootToRegistrationMs = Date.now() - b.booted;
    const served = rig.srv.logs
      .filter((l) => l.msg === 'request' && String(l.path).startsWith('/discovery/'))
      .map((l) => `${String(l.path)} ${String(l.status)}`);
    expect(served).toEqual(['/discovery/boot/ipxe 200', '/discovery/vmlinuz 200', '/discovery/initrd.img 200']);
    // iPXE wrote BOOTIF from the NIC it booted from; the facts name that NIC as the boot NIC.
    expect(host.facts.kernel.cmdline).toContain(`BOOTIF=01-${MACS[0]!.replaceAll(':', '-')}`);
    expect(host.facts.kernel.cmdline).toContain(`kickstand.url=${PUBLIC_URL}`);
    expect(host.boot_mac).toBe(MACS[0]);

    const res = await rig.admin('POST', `/api/v1/hosts/${host.id}/assignment`, { action: 'reboot' });
    expect(res.status, await res.clone().text()).toBe(200);
    // -no-reboot: the guest's reset (SysRq b) ends qemu. (No console= on the served entry: the kernel
    // writes to the screen, which this VM does not have, so the proof is the service's side.)
    await Promise.race([
      vm.exited,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no reboot; console:\n${vm.console().slice(-4000)}`)), 120_000)),
    ]);
    const after = await hostDetail(rig, host.id as string);
    expect(after.state).toBe('provisioning');
  }, 900_000);
});
