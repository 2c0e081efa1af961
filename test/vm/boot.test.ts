// A real kernel in a VM: Debian's kernel under qemu with a dracut initramfs whose hook does what
// Anaconda does with inst.ks= (test/vm/guest/anaconda-ks.sh). The guest fetches the stub from the
// service running here, runs its %pre with the interpreter it names, and prints /tmp/kickstand.ks on
// the serial console; the facts it registered must be the VM's configured hardware.
import { cp, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { vmImage, type VmImage } from './initramfs.js';
import { bootVm, chooseAccel, GUEST_SERVICE_ADDR, GUEST_SERVICE_PORT, type Accel, type Vm } from './qemu.js';

type Json = Record<string, any>;

// The VM's hardware, which the registered facts must repeat.
const MACS = ['52:54:00:12:34:01', '52:54:00:12:34:02'];
const MEMORY_MIB = 2048;
const CPUS = 2;
const DISK = { serial: 'KSDISK1', bytes: 1024 * 1024 * 1024 };
const SMBIOS = { manufacturer: 'Kickstand Test Vendor', product: 'VM Harness 1', serial: 'KS-VM-0001' };

const FINAL_TEMPLATE = 'vm-final.ks.njk';
const FINAL_SOURCE = `# vm final kickstart for {{ host.id }}
network --bootproto=dhcp --device={{ host.boot_mac }} --hostname={{ host.hostname }}
%post
echo {{ facts.dmi.serial | shellquote }} {{ host.boot_nic | shellquote }}
%end
`;

let image: VmImage;
let accel: Accel;
const timings: Record<string, number> = {};

beforeAll(async () => {
  let t = Date.now();
  image = await vmImage();
  timings.imageMs = Date.now() - t;
  t = Date.now();
  accel = (await chooseAccel(image)).accel;
  timings.probeMs = Date.now() - t;
}, 600_000);

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  console.info(`vm test: accel ${accel}, image ${image?.cached ? 'cached' : 'built'}`, timings);
});

describe('a real kernel boots into the discovery stub', () => {
  it('When a VM boots with inst.ks= pointing at the service, then it registers its configured hardware and prints the assigned kickstart byte for byte', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'kickstand-vm-'));
    cleanups.push(() => rm(work, { recursive: true, force: true }));
    const templatesDir = path.join(work, 'kickstarts');
    await cp(path.resolve('kickstarts'), templatesDir, { recursive: true });
    await writeFile(path.join(templatesDir, FINAL_TEMPLATE), FINAL_SOURCE);
    const disk = path.join(work, 'disk.img');
    await writeFile(disk, '');
    await truncate(disk, DISK.bytes);

    const srv: TestServer = await startTestServer({
      templatesDir,
      dataDir: path.join(work, 'data'),
      pollInterval: 1,
      publicUrl: `http://${GUEST_SERVICE_ADDR}:${GUEST_SERVICE_PORT}`,
    });
    cleanups.push(() => srv.stop());
    const admin = (method: string, route: string, body?: object) =>
      fetch(`${srv.url}${route}`, {
        method,
        headers: { Authorization: `Bearer ${srv.adminToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });

    const booted = Date.now();
    const vm: Vm = bootVm({
      image,
      accel,
      append: [
        `inst.ks=http://${GUEST_SERVICE_ADDR}:${GUEST_SERVICE_PORT}/ks`,
        'inst.ks.sendmac',
        'ip=dhcp',
        'rd.neednet=1',
        `BOOTIF=01-${MACS[0]!.replaceAll(':', '-')}`,
      ].join(' '),
      servicePort: srv.port,
      macs: MACS,
      memoryMib: MEMORY_MIB,
      cpus: CPUS,
      disk: { file: disk, serial: DISK.serial },
      smbios: SMBIOS,
    });
    cleanups.push(async () => {
      await vm.stop();
      // KICKSTAND_VM_CONSOLE=FILE keeps the serial console for a look at the guest's side.
      if (process.env.KICKSTAND_VM_CONSOLE) await writeFile(process.env.KICKSTAND_VM_CONSOLE, vm.console());
    });
    const fail = vm.exited.then((code) => {
      throw new Error(`qemu exited (${code}) early; console:\n${vm.console().slice(-6000)}`);
    });
    fail.catch(() => undefined);

    // Registration: the one host, polled through the admin API.
    let listed: Json | undefined;
    const registered = (async () => {
      for (;;) {
        const list = (await (await admin('GET', '/api/v1/hosts')).json()) as { hosts: Json[] };
        if ((listed = list.hosts[0])) return;
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    await Promise.race([registered, fail, vm.waitFor(/KICKSTAND-VM: (no include|fetching the kickstart failed)/, 240_000)]);
    timings.bootToRegistrationMs = Date.now() - booted;

    const host = (await (await admin('GET', `/api/v1/hosts/${listed!.id}`)).json()) as Json;
    const facts = host.facts as Json;
    expect(facts.nics.map((n: Json) => n.mac)).toEqual(MACS);
    expect(facts.boot_mac).toBe(MACS[0]);
    expect(host.boot_mac).toBe(MACS[0]);
    // MemTotal: what the kernel has left after its own reservations, a little under the configured size.
    expect(facts.memory_mib).toBeLessThanOrEqual(MEMORY_MIB);
    expect(facts.memory_mib).toBeGreaterThan(MEMORY_MIB * 0.9);
    expect(facts.cpu.threads).toBe(CPUS);
    expect(facts.disks.map((d: Json) => ({ name: d.name, serial: d.serial, size_bytes: d.size_bytes }))).toEqual([
      { name: 'vda', serial: DISK.serial, size_bytes: DISK.bytes },
    ]);
    expect({ vendor: facts.dmi.vendor, product: facts.dmi.product, serial: facts.dmi.serial }).toEqual({
      vendor: SMBIOS.manufacturer,
      product: SMBIOS.product,
      serial: SMBIOS.serial,
    });
    expect(facts.firmware).toEqual({ type: 'bios', secure_boot: false });
    expect(facts.arch).toBe('x86_64');
    // The stub fetch carried X-RHN-Provisioning-MAC-* (a sighting needs them) and was tied to this host.
    expect(host.events.map((e: Json) => e.message)).toContain('stub kickstart fetched by Kickstand VM (x86_64)');

    const res = await admin('POST', `/api/v1/hosts/${listed!.id}/assignment`, {
      action: 'kickstart',
      template: FINAL_TEMPLATE,
      hostname: 'vm1.example.com',
      params: {},
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const preview = await (await admin('GET', `/api/v1/hosts/${listed!.id}/kickstart`)).text();

    const m = await Promise.race([vm.waitFor(/KICKSTAND-VM: include begin (\d+)\r?\n([\s\S]*?)KICKSTAND-VM: include end/, 120_000), fail]);
    timings.bootToIncludeMs = Date.now() - booted;
    const base64 = m[2]!
      .split(/\r?\n/)
      .filter((l) => /^[A-Za-z0-9+/=]+$/.test(l))
      .join('');
    const include = Buffer.from(base64, 'base64');
    expect(include.length).toBe(Number(m[1]));
    expect(include.toString('utf8')).toBe(preview);
    expect(preview).toContain(`network --bootproto=dhcp --device=${MACS[0]} --hostname=vm1.example.com`);
    await Promise.race([vm.exited, new Promise((r) => setTimeout(r, 30_000))]);
  }, 420_000);
});
