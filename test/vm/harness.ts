// What the VM tests share (docs/field-tests.md): the hardware and the facts it must come back as, the
// image and accelerator (once per file), a work folder with the templates and the disks, the service
// (in-process, or a child process a test can kill), the admin API, a VM booted like an Anaconda install
// (inst.ks=, sendmac, ip=dhcp), and the waits for its registration and its include. test/vm/marker.ts
// has the marker kernel a VM is sent into.
import { copyFile, cp, mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { freePort, startServiceProcess, FAULT_ADMIN_TOKEN, type ServiceProcess } from '../support/service-process.js';
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

/** The second disk: scsi-hd on virtio-scsi, another size, with the INQUIRY vendor and product. */
export const SCSI_DISK = { serial: 'KSDISK2', vendor: 'KSVENDOR', product: 'KS SCSI DISK', bytes: 3 * 1024 * 1024 * 1024 };

/**
 * A hostile SMBIOS string: shell and template metacharacters, quotes, `$(...)`, backticks, a tab,
 * commas (qemu's option syntax doubles them) and padding up to 256 bytes, the facts schema's limit for
 * a string. No leading or trailing white space and no newline: the %pre trims values and reads one line.
 */
export const HOSTILE_DMI = (() => {
  const head = `Rev "A" 'b' $(echo pwned) \`id\` \${IFS}; true | cat && false || : > /dev/null < /dev/null \\ %s %n {{ host.id }} {% raw %}<script>alert(1)</script>&amp; a,b,,c\tTAB #`;
  return head + '0123456789'.repeat(26).slice(0, 256 - head.length);
})();

/** Every SMBIOS string the full-hardware VM sets: type 1 with the hostile version, type 2, type 3. */
export const SMBIOS_FULL = {
  ...SMBIOS,
  version: HOSTILE_DMI,
  sku: 'KS-SKU-42',
  family: 'Kickstand, Test Family',
  baseboard: { manufacturer: 'Kickstand Boards', product: 'KS-MB-1', serial: 'KS-MB-0001' },
  chassis: { manufacturer: 'Kickstand Chassis', serial: 'KS-CH-0001', asset: 'KS-ASSET-CH' },
};

/** The facts.dmi members SMBIOS_FULL must come back as, verbatim (facts.sh DMI_FIELDS). */
export const EXPECTED_DMI = {
  vendor: SMBIOS_FULL.manufacturer,
  product: SMBIOS_FULL.product,
  version: SMBIOS_FULL.version,
  serial: SMBIOS_FULL.serial,
  sku: SMBIOS_FULL.sku,
  family: SMBIOS_FULL.family,
  board_vendor: SMBIOS_FULL.baseboard.manufacturer,
  board_product: SMBIOS_FULL.baseboard.product,
  board_serial: SMBIOS_FULL.baseboard.serial,
  chassis_vendor: SMBIOS_FULL.chassis.manufacturer,
  chassis_serial: SMBIOS_FULL.chassis.serial,
  chassis_asset_tag: SMBIOS_FULL.chassis.asset,
};

/**
 * Both disks as facts.sh reports them from lsblk, in name order: the scsi-hd with its INQUIRY vendor
 * and product as vendor and model; the virtio-blk with no model and, as vendor, the sysfs `vendor` of
 * its virtio device, which is the PCI vendor ID (0x1af4, Red Hat's virtio).
 */
export const EXPECTED_DISKS = [
  { name: 'sda', size_bytes: SCSI_DISK.bytes, serial: SCSI_DISK.serial, vendor: SCSI_DISK.vendor, model: SCSI_DISK.product },
  { name: 'vda', size_bytes: DISK.bytes, serial: DISK.serial, vendor: '0x1af4' },
];

/** bootInstaller's `more` for the full hardware: the scsi disk and every SMBIOS string. */
export function fullHardware(rig: Pick<Rig, 'scsiDisk'>): Partial<VmOptions> {
  return { scsiDisk: { file: rig.scsiDisk, ...SCSI_DISK }, smbios: SMBIOS_FULL };
}

/** Debian 12's ovmf: the 4 MiB pflash pair (OVMF_CODE_4M.fd / OVMF_VARS_4M.fd), no Secure Boot keys enrolled. */
export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface VmEnv {
  image: VmImage;
  accel: Accel;
  timings: Record<string, number>;
}

/**
 * `npm run test:vm` runs in a network namespace of its own with nothing but loopback
 * (tools/in-netns.sh sets KICKSTAND_VM_NETNS=1): qemu, socat and the service see no other network.
 */
function checkNetns(): void {
  if (process.env.KICKSTAND_VM_NETNS !== '1') return;
  const names = Object.keys(os.networkInterfaces());
  if (names.some((n) => n !== 'lo'))
    throw new Error(`KICKSTAND_VM_NETNS=1 but this namespace has ${names.join(', ')}: run through tools/in-netns.sh`);
}

/** The image (cached or built) and the accelerator (probed once, memoised); for beforeAll. */
export async function vmEnv(timings: Record<string, number> = {}): Promise<VmEnv> {
  checkNetns();
  let t = Date.now();
  const image = await vmImage();
  timings.imageMs = Date.now() - t;
  t = Date.now();
  const { accel } = await chooseAccel(image);
  timings.probeMs = Date.now() - t;
  return { image, accel, timings };
}

export type Cleanups = (() => Promise<unknown>)[];

export interface VmSuite {
  /** Set by the file's beforeAll. */
  readonly env: VmEnv;
  /** Run last to first by the file's afterAll. */
  cleanups: Cleanups;
  /** env.timings, logged by the file's afterAll. */
  timings: Record<string, number>;
}

export interface VmSuiteOptions {
  /** More of the file's set-up (an image or kernel of its own), in the same beforeAll after vmEnv. */
  setup?: (env: VmEnv) => Promise<void>;
  setupMs?: number;
  /** The closing log line's words after the accelerator; by default whether the image came from the cache. */
  summary?: () => string;
}

/**
 * One VM test file's frame: a beforeAll that finds the image and accelerator (vmEnv, then `setup`), an
 * afterAll that runs the cleanups and logs the accelerator and the timings as `vm test (<name>)`.
 */
export function vmSuite(name: string, o: VmSuiteOptions = {}): VmSuite {
  let env: VmEnv | undefined;
  const timings: Record<string, number> = {};
  const cleanups: Cleanups = [];
  beforeAll(async () => {
    env = await vmEnv(timings);
    await o.setup?.(env);
  }, o.setupMs ?? 600_000);
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    const summary = o.summary ? o.summary() : `image ${env?.image.cached ? 'cached' : 'built'}`;
    console.info(`vm test (${name}): accel ${env?.accel}, ${summary}`, timings);
  });
  return {
    get env() {
      if (!env) throw new Error(`vm test (${name}): no environment before beforeAll`);
      return env;
    },
    cleanups,
    timings,
  };
}

export interface Rig {
  work: string;
  templatesDir: string;
  dataDir: string;
  disk: string;
  /** A 3 GiB sparse disk for the scsi-hd of fullHardware(). */
  scsiDisk: string;
  srv: TestServer;
  admin: (method: string, route: string, body?: object) => Promise<Response>;
  /** A copy of OVMF's variable store (OVMF_VARS, or `template`) for one UEFI boot. */
  uefiVars(template?: string): Promise<string>;
}

export const PUBLIC_URL = `http://${GUEST_SERVICE_ADDR}:${GUEST_SERVICE_PORT}`;

type Work = Pick<Rig, 'work' | 'templatesDir' | 'dataDir' | 'disk' | 'scsiDisk' | 'uefiVars'>;

/** A work folder (templates copied, plus `templates`) with the two sparse disks; no service yet. */
async function workFolder(cleanups: Cleanups, templates: Record<string, string>): Promise<Work> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'kickstand-vm-'));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  const templatesDir = path.join(work, 'kickstarts');
  await cp(path.resolve('kickstarts'), templatesDir, { recursive: true });
  for (const [name, source] of Object.entries(templates)) await writeFile(path.join(templatesDir, name), source);
  const sparse = async (name: string, bytes: number) => {
    const file = path.join(work, name);
    await writeFile(file, '');
    await truncate(file, bytes);
    return file;
  };
  return {
    work,
    templatesDir,
    dataDir: path.join(work, 'data'),
    disk: await sparse('disk.img', DISK.bytes),
    scsiDisk: await sparse('scsi-disk.img', SCSI_DISK.bytes),
    async uefiVars(template = OVMF_VARS) {
      const vars = path.join(work, `OVMF_VARS-${Date.now()}.fd`);
      await copyFile(template, vars);
      return vars;
    },
  };
}

function adminFetch(srv: () => { url: string; adminToken: string }): Rig['admin'] {
  return (method, route, body) =>
    fetch(`${srv().url}${route}`, {
      method,
      headers: { Authorization: `Bearer ${srv().adminToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
}

/** A work folder (templates copied, plus `templates`), the sparse disks and the service (in-process). */
export async function startRig(cleanups: Cleanups, templates: Record<string, string> = {}, server: TestServerOptions = {}): Promise<Rig> {
  const w = await workFolder(cleanups, templates);
  const srv = await startTestServer({
    templatesDir: w.templatesDir,
    dataDir: w.dataDir,
    pollInterval: 1,
    publicUrl: PUBLIC_URL,
    ...server,
  });
  let current = srv;
  cleanups.push(() => current.stop());
  const rig: Rig = { ...w, srv, admin: adminFetch(() => rig.srv) };
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

/**
 * The service as a process of its own (`kickstand serve` through tsx, test/support/service-process.ts),
 * so that a test can SIGKILL it; `restart()` starts it again on the same port, data and templates.
 */
export interface ProcessRig extends Omit<Rig, 'srv'> {
  svc: ServiceProcess;
  srv: { url: string; port: number; adminToken: string };
  restart(): Promise<ServiceProcess>;
}

export async function startProcessRig(cleanups: Cleanups, templates: Record<string, string> = {}): Promise<ProcessRig> {
  const w = await workFolder(cleanups, templates);
  const port = await freePort();
  const start = () =>
    startServiceProcess({ port, dataDir: w.dataDir, templatesDir: w.templatesDir, pollInterval: 1, env: { KICKSTAND_URL: PUBLIC_URL } });
  let svc = await start();
  cleanups.push(() => svc.kill());
  const rig: ProcessRig = {
    ...w,
    get svc() {
      return svc;
    },
    get srv() {
      return { url: svc.url, port, adminToken: FAULT_ADMIN_TOKEN };
    },
    admin: adminFetch(() => rig.srv),
    async restart() {
      svc = await start();
      return svc;
    },
  };
  return rig;
}

/** What bootInstaller needs of a rig: the service's port (for the forward) and the disk. */
export interface BootRig {
  srv: { port: number };
  disk: string;
}

/** The boot NIC as pxelinux and iPXE name it on the kernel command line. */
export const BOOTIF = `BOOTIF=01-${MACS[0]!.replaceAll(':', '-')}`;

/** Anaconda's kernel arguments for a kickstart from the service. */
export const INSTALLER_ARGS = [`inst.ks=${PUBLIC_URL}/ks`, 'inst.ks.sendmac', 'ip=dhcp', 'rd.neednet=1', BOOTIF];

/** The tests' hardware with Anaconda's inst.ks= arguments and the service as rig.srv: what bootInstaller
 *  boots, and what a VM another program starts (ipmi_sim's power supply) is made of. */
export function installerVm(env: VmEnv, rig: BootRig, append = INSTALLER_ARGS.join(' ')): VmOptions {
  return {
    image: env.image,
    accel: env.accel,
    append,
    servicePort: rig.srv.port,
    macs: MACS,
    memoryMib: MEMORY_MIB,
    cpus: CPUS,
    disk: { file: rig.disk, serial: DISK.serial },
    smbios: SMBIOS,
  };
}

/** The VM of the tests' hardware, booted with Anaconda's inst.ks= arguments, the service as rig.srv. */
export function bootInstaller(env: VmEnv, rig: BootRig, cleanups: Cleanups, name: string, more: Partial<VmOptions> = {}): Booted {
  const vm = bootVm({ ...installerVm(env, rig), ...more });
  return watchVm(vm, cleanups, name);
}

/** A VM just started, stopped by the cleanups, its `fail` rejecting when qemu exits. */
export function watchVm(vm: Vm, cleanups: Cleanups, name: string): Booted {
  const booted = Date.now();
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
export async function waitRegistered(rig: Pick<Rig, 'admin'>, b: Booted, ms = 240_000): Promise<Json> {
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
  return hostDetail(rig, listed.id as string);
}

/** The include the guest printed (anaconda-ks.sh: base64 between markers), as bytes. */
export async function waitInclude(b: Booted, ms = 120_000): Promise<Buffer> {
  const m = await Promise.race([b.vm.waitFor(/KICKSTAND-VM: include begin (\d+)\r?\n([\s\S]*?)KICKSTAND-VM: include end/, ms), b.fail]);
  const base64 = m[2]!
    .split(/\r?\n/)
    .filter((l) => /^[A-Za-z0-9+/=]+$/.test(l))
    .join('');
  const include = Buffer.from(base64, 'base64');
  if (include.length !== Number(m[1])) throw new Error(`include of ${include.length} bytes, the guest announced ${m[1]}`);
  return include;
}

/** The host's detail from the admin API. */
export async function hostDetail(rig: Pick<Rig, 'admin'>, id: string): Promise<Json> {
  return (await (await rig.admin('GET', `/api/v1/hosts/${id}`)).json()) as Json;
}
