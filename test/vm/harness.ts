// What the VM tests share: the image and accelerator (once per file), a work folder with the templates
// and a disk, the service, the admin API, a VM booted like an Anaconda install (inst.ks=, sendmac,
// ip=dhcp) and the wait for its registration.
import { copyFile, cp, mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer, type TestServerOptions } from '../support/server.js';
import { vmImage, type VmImage } from './initramfs.js';
import { bootVm, chooseAccel, GUEST_SERVICE_ADDR, GUEST_SERVICE_PORT, type Accel, type Vm, type VmOptions } from './qemu.js';

export type Json = Record<string, any>;

// The VM's hardware, which the registered facts must repeat.
export const MACS = ['52:54:00:12:34:01', '52:54:00:12:34:02'];
export const MEMORY_MIB = 2048;
export const CPUS = 2;
export const DISK = { serial: 'KSDISK1', bytes: 1024 * 1024 * 1024 };
export const SMBIOS = { manufacturer: 'Kickstand Test Vendor', product: 'VM Harness 1', serial: 'KS-VM-0001' };

/** Debian 12's ovmf: the 4 MiB pflash pair (OVMF_CODE_4M.fd / OVMF_VARS_4M.fd), no Secure Boot keys enrolled. */
export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface VmEnv {
  image: VmImage;
  accel: Accel;
  timings: Record<string, number>;
}

/** The image (cached or built) and the accelerator (probed once, memoised); for beforeAll. */
export async function vmEnv(): Promise<VmEnv> {
  const timings: Record<string, number> = {};
  let t = Date.now();
  const image = await vmImage();
  timings.imageMs = Date.now() - t;
  t = Date.now();
  const { accel } = await chooseAccel(image);
  timings.probeMs = Date.now() - t;
  return { image, accel, timings };
}

export type Cleanups = (() => Promise<unknown>)[];

export interface Rig {
  work: string;
  templatesDir: string;
  dataDir: string;
  disk: string;
  srv: TestServer;
  admin: (method: string, route: string, body?: object) => Promise<Response>;
  /** A copy of OVMF's variable store for one UEFI boot. */
  uefiVars(): Promise<string>;
}

export const PUBLIC_URL = `http://${GUEST_SERVICE_ADDR}:${GUEST_SERVICE_PORT}`;

/** A work folder (templates copied, plus `templates`), a 1 GiB sparse disk and the service. */
export async function startRig(cleanups: Cleanups, templates: Record<string, string> = {}, server: TestServerOptions = {}): Promise<Rig> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'kickstand-vm-'));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  const templatesDir = path.join(work, 'kickstarts');
  await cp(path.resolve('kickstarts'), templatesDir, { recursive: true });
  for (const [name, source] of Object.entries(templates)) await writeFile(path.join(templatesDir, name), source);
  const disk = path.join(work, 'disk.img');
  await writeFile(disk, '');
  await truncate(disk, DISK.bytes);
  const dataDir = path.join(work, 'data');
  const srv = await startTestServer({ templatesDir, dataDir, pollInterval: 1, publicUrl: PUBLIC_URL, ...server });
  let current = srv;
  cleanups.push(() => current.stop());
  const rig: Rig = {
    work,
    templatesDir,
    dataDir,
    disk,
    srv,
    admin: (method, route, body) =>
      fetch(`${rig.srv.url}${route}`, {
        method,
        headers: { Authorization: `Bearer ${rig.srv.adminToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }),
    async uefiVars() {
      const vars = path.join(work, `OVMF_VARS-${Date.now()}.fd`);
      await copyFile(OVMF_VARS, vars);
      return vars;
    },
  };
  // A restart replaces rig.srv; the cleanup stops whichever runs last.
  Object.defineProperty(rig, 'srv', {
    get: () => current,
    set: (s: TestServer) => (current = s),
  });
  return rig;
}

export interface Booted {
  vm: Vm;
  booted: number;
  /** Rejects when qemu exits; race it against every wait. */
  fail: Promise<never>;
}

/** The VM of the tests' hardware, booted with Anaconda's inst.ks= arguments, the service as rig.srv. */
export function bootInstaller(env: VmEnv, rig: Rig, cleanups: Cleanups, name: string, more: Partial<VmOptions> = {}): Booted {
  const booted = Date.now();
  const vm = bootVm({
    image: env.image,
    accel: env.accel,
    append: [`inst.ks=${PUBLIC_URL}/ks`, 'inst.ks.sendmac', 'ip=dhcp', 'rd.neednet=1', `BOOTIF=01-${MACS[0]!.replaceAll(':', '-')}`].join(
      ' ',
    ),
    servicePort: rig.srv.port,
    macs: MACS,
    memoryMib: MEMORY_MIB,
    cpus: CPUS,
    disk: { file: rig.disk, serial: DISK.serial },
    smbios: SMBIOS,
    ...more,
  });
  cleanups.push(async () => {
    await vm.stop();
    // KICKSTAND_VM_CONSOLE=DIR keeps each VM's serial console (DIR/<name>.txt) for a look at the guest's side.
    const keep = process.env.KICKSTAND_VM_CONSOLE;
    if (keep) {
      await mkdir(keep, { recursive: true });
      await writeFile(path.join(keep, `${name}.txt`), vm.console());
    }
  });
  const fail = vm.exited.then((code): never => {
    throw new Error(`qemu exited (${code}) early; console:\n${vm.console().slice(-6000)}`);
  });
  fail.catch(() => undefined);
  return { vm, booted, fail };
}

/** The one host once it registered (polling the admin API), its detail with facts and events. */
export async function waitRegistered(rig: Rig, b: Booted, ms = 240_000): Promise<Json> {
  let listed: Json | undefined;
  const registered = (async () => {
    for (;;) {
      try {
        const list = (await (await rig.admin('GET', '/api/v1/hosts')).json()) as { hosts: Json[] };
        if ((listed = list.hosts[0])) return;
      } catch {
        // The service restarting: ask again.
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  await Promise.race([registered, b.fail, b.vm.waitFor(/KICKSTAND-VM: (no include|fetching the kickstart failed)/, ms)]);
  if (!listed) throw new Error(`the VM did not register; console:\n${b.vm.console().slice(-6000)}`);
  return (await (await rig.admin('GET', `/api/v1/hosts/${listed.id}`)).json()) as Json;
}
