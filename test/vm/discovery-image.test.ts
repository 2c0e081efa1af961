// The dracut discovery image in a real kernel: built by `kickstand discovery-image build` (cached by
// content hash), booted under qemu like the service's iPXE entry boots it (ip=dhcp rd.neednet=1
// kickstand.url=… BOOTIF=…). Its pre-mount hook runs the stub's facts and poll code, registers, and
// when the host is assigned kexec it downloads the marker kernel and initrd and kexecs into them: the
// marker and the assigned append line must show on the second kernel's console. A second VM boots the
// way a rack machine does, from the network: iPXE's option ROM runs the service's /discovery/boot/ipxe
// and fetches both files from the service over HTTP; it registers, and a reboot answer resets it.
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoveryImageCommand } from '../../src/cli/discovery-image.js';
import { discoveryImage, type CachedImage } from '../discovery-image/cached-image.js';
import {
  CPUS,
  DISK,
  MACS,
  MEMORY_MIB,
  PUBLIC_URL,
  SMBIOS,
  startRig,
  vmEnv,
  waitRegistered,
  type Booted,
  type Cleanups,
} from './harness.js';
import { bootVm, GUEST_SERVICE_ADDR, GUEST_SERVICE_PORT, type Accel } from './qemu.js';
import { netbootVm } from '../discovery-image/netboot-vm.js';

const FILES_PORT = 8081;
const MARKER = 'KICKSTAND-KEXEC-OK';
const APPEND = 'console=ttyS0 panic=-1 kickstand.kexec=from-discovery-image quiet';
const INIT = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /dev
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec >/dev/ttyS0 2>&1
echo ${MARKER}
echo "KICKSTAND-KEXEC-CMDLINE: $(/bin/busybox cat /proc/cmdline)"
/bin/busybox poweroff -f
`;

let image: CachedImage;
let accel: Accel;
const timings: Record<string, number> = {};
beforeAll(async () => {
  image = await discoveryImage(async (out) => {
    let text = '';
    await discoveryImageCommand(['build', '-o', out], (t) => (text += t));
    return text;
  });
  timings.buildMs = image.buildMs;
  // The accelerator as the other VM tests probe it (memoised in the cache folder).
  ({ accel } = await vmEnv());
}, 900_000);

const cleanups: Cleanups = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  console.info(
    `vm test (discovery image): accel ${accel}, image ${image?.cached ? 'cached' : 'built'} ${image?.dir}`,
    timings,
    image?.output,
  );
});

async function markerInitrd(dir: string): Promise<string> {
  const root = path.join(dir, 'kexec-root');
  await mkdir(path.join(root, 'bin'), { recursive: true });
  await writeFile(path.join(root, 'init'), INIT);
  await chmod(path.join(root, 'init'), 0o755);
  execFileSync('cp', ['/bin/busybox', path.join(root, 'bin/busybox')]);
  const out = path.join(dir, 'kexec-initrd.gz');
  execFileSync('sh', ['-c', `cd "${root}" && find . | cpio --quiet -o -H newc | gzip -1 > "${out}"`]);
  return out;
}

async function fileServer(files: Record<string, string>): Promise<{ port: number; asked: string[] }> {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    const file = files[(req.url ?? '').slice(1)];
    if (!file) return void res.writeHead(404).end();
    void stat(file).then((s) => {
      res.writeHead(200, { 'Content-Length': s.size, 'Content-Type': 'application/octet-stream' });
      createReadStream(file).pipe(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return { port: (server.address() as AddressInfo).port, asked };
}

describe('the dracut discovery image in a real kernel', () => {
  it('When the image boots with kickstand.url=, then it registers through dracut’s DHCP lease, and an assigned kexec starts the assigned kernel with its append line', async () => {
    const rig = await startRig(cleanups);
    const initrd = await markerInitrd(rig.work);
    const files = await fileServer({ vmlinuz: image.vmlinuz, 'initrd.gz': initrd });
    const bootif = `BOOTIF=01-${MACS[0]!.replaceAll(':', '-')}`;
    const vm = bootVm({
      image: {
        kernel: image.vmlinuz,
        initramfs: image.initrd,
        kver: image.kver,
        missingTools: [],
        cached: image.cached,
        buildMs: image.buildMs,
      },
      accel,
      append: ['ip=dhcp', 'rd.neednet=1', `kickstand.url=${PUBLIC_URL}`, bootif].join(' '),
      servicePort: rig.srv.port,
      macs: MACS,
      memoryMib: MEMORY_MIB,
      cpus: CPUS,
      disk: { file: rig.disk, serial: DISK.serial },
      smbios: SMBIOS,
      forwards: [{ guestAddr: GUEST_SERVICE_ADDR, guestPort: FILES_PORT, hostPort: files.port }],
    });
    const fail = vm.exited.then((code): never => {
      throw new Error(`qemu exited (${code}) early; console:\n${vm.console().slice(-6000)}`);
    });
    fail.catch(() => undefined);
    const b: Booted = { vm, booted: Date.now(), fail };
    cleanups.push(async () => {
      await vm.stop();
      const keep = process.env.KICKSTAND_VM_CONSOLE;
      if (keep) {
        await mkdir(keep, { recursive: true });
        await writeFile(path.join(keep, 'discovery-image.txt'), vm.console());
      }
    });

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

    const base = `http://${GUEST_SERVICE_ADDR}:${FILES_PORT}`;
    const res = await rig.admin('POST', `/api/v1/hosts/${host.id}/assignment`, {
      action: 'kexec',
      kernel: `${base}/vmlinuz`,
      initrd: `${base}/initrd.gz`,
      append: APPEND,
    });
    expect(res.status, await res.clone().text()).toBe(200);

    // Up to the line's end: a match on a half-received line would capture part of it.
    const m = await Promise.race([vm.waitFor(new RegExp(`${MARKER}\\r?\\nKICKSTAND-KEXEC-CMDLINE: ([^\\r\\n]*)\\r?\\n`), 180_000), b.fail]);
    timings.bootToKexecMarkerMs = Date.now() - b.booted;
    expect(m[1]!.trim()).toBe(APPEND);
    expect(files.asked).toEqual(['/vmlinuz', '/initrd.gz']);
    expect(vm.console()).toMatch(/kickstand: kexec: starting the new kernel/);
    await Promise.race([vm.exited, new Promise((r) => setTimeout(r, 30_000))]);
  }, 600_000);

  it('When a machine network-boots through iPXE, then the service’s iPXE entry loads both files from Kickstand over HTTP, the image registers with the boot NIC iPXE named, and a reboot answer resets it', async () => {
    const rig = await startRig(cleanups, {}, { env: { KICKSTAND_DISCOVERY_IMAGE_DIR: image.dir } });
    const vm = netbootVm({
      accel,
      bootfile: `${PUBLIC_URL}/discovery/boot/ipxe`,
      guestAddr: GUEST_SERVICE_ADDR,
      guestPort: GUEST_SERVICE_PORT,
      servicePort: rig.srv.port,
      mac: MACS[0]!,
      memoryMib: MEMORY_MIB,
      cpus: CPUS,
    });
    const fail = vm.exited.then((code): never => {
      throw new Error(`qemu exited (${code}) early; console:\n${vm.console().slice(-6000)}`);
    });
    fail.catch(() => undefined);
    const b: Booted = { vm, booted: Date.now(), fail };
    cleanups.push(async () => {
      await vm.stop();
      const keep = process.env.KICKSTAND_VM_CONSOLE;
      if (keep) {
        await mkdir(keep, { recursive: true });
        await writeFile(path.join(keep, 'discovery-image-ipxe.txt'), vm.console());
      }
    });

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
    const after = (await (await rig.admin('GET', `/api/v1/hosts/${host.id}`)).json()) as { state: string };
    expect(after.state).toBe('provisioning');
  }, 900_000);
});
