// Builds the discovery image: this machine's kernel (vmlinuz) and a dracut initramfs holding dracut's
// networking and the 95kickstand module (dracut/95kickstand/ plus the stub's shell files from
// kickstarts/discovery/, so the image runs the very code the %pre runs).
//
// dracut only looks for modules in $dracutbasedir/modules.d (default /usr/lib/dracut). Nothing is
// installed there: the build makes a throw-away copy of that folder in a temp dir — symlinks to every
// system file and module, plus a real 95kickstand folder — and runs dracut with dracutbasedir set to
// it, `--conf /dev/null` and an empty `--confdir` (the host's dracut.conf is for the host's own
// initramfs, not for this one). The temp dir is removed whatever happens.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, mkdtemp, readdir, rename, rm, stat, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiscoveryImageError, messageOf } from '../errors.js';

/** The shared shell files the module installs: the stub's %pre parts, in the order they are sourced. */
export const SHARED_SHELL = ['json.sh', 'facts.sh', 'unstage.sh', 'stage.sh', 'pre.sh'] as const;

export const COMPRESSIONS = ['gzip', 'xz', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** dracut modules, as an exclusive list (`--modules`): shell init, udev, every storage and NIC driver
 *  (the facts list disks and NICs; --no-hostonly makes them all), the network backend, curl. */
export function dracutModules(network: string): string[] {
  return ['bash', 'base', 'udev-rules', 'kernel-modules', 'kernel-network-modules', network, 'network', 'url-lib', 'kickstand'];
}

/** Drivers added always: virtio (VMs), bonding/VLAN/bridge for bond=, vlan=, bridge= on the command line. */
export const BASE_DRIVERS = ['virtio_pci', 'virtio_net', 'virtio_blk', 'virtio_scsi', 'bonding', '8021q', 'bridge'];

export interface BuildOptions {
  /** Output folder: vmlinuz and initrd.img are written there (replaced atomically). */
  out: string;
  /** Kernel version (a folder of /lib/modules); default the running kernel, else the newest installed. */
  kver?: string | undefined;
  /** Kernel modules added on top of BASE_DRIVERS (a NIC the generic set misses). */
  addDrivers?: string[];
  compress?: Compression;
  /** dracut network backend: network-legacy (Debian 12: dhclient) or network-manager (Fedora/RHEL). */
  network?: string;
  /** Where dracut's files are (default /usr/lib/dracut) and the dracut command (tests). */
  dracutDir?: string;
  dracut?: string;
  /** Where /boot and /lib/modules are (tests). */
  bootDir?: string;
  modulesDir?: string;
  /** The repository (dracut/ and kickstarts/discovery/); default the one this file belongs to. */
  sourceDir?: string;
}

export interface BuildReport {
  kver: string;
  kernelSource: string;
  vmlinuz: string;
  initrd: string;
  vmlinuzBytes: number;
  initrdBytes: number;
  modules: string[];
  drivers: string[];
  ms: number;
}

/** src/discovery-image/ or dist/discovery-image/: the package root is two levels up either way. */
export function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** The kernel to ship: vmlinuz of that version, whose modules dracut copies. */
export async function findKernel(
  kver: string | undefined,
  bootDir = '/boot',
  modulesDir = '/lib/modules',
): Promise<{ kver: string; kernel: string }> {
  const kernelOf = (k: string) => [path.join(bootDir, `vmlinuz-${k}`), path.join(modulesDir, k, 'vmlinuz')].find((f) => existsSync(f));
  if (kver) {
    if (!/^[A-Za-z0-9._+~-]+$/.test(kver)) throw new DiscoveryImageError('NO_KERNEL', `--kver "${kver}" is not a kernel version`);
    const kernel = kernelOf(kver);
    if (!kernel || !existsSync(path.join(modulesDir, kver)))
      throw new DiscoveryImageError(
        'NO_KERNEL',
        `kernel ${kver}: need ${bootDir}/vmlinuz-${kver} (or ${modulesDir}/${kver}/vmlinuz) and ${modulesDir}/${kver}`,
      );
    return { kver, kernel };
  }
  const running = os.release();
  const candidates = [running, ...(await readdir(modulesDir).catch(() => [] as string[])).sort(byVersion).reverse()];
  for (const k of candidates) {
    const kernel = kernelOf(k);
    if (kernel && existsSync(path.join(modulesDir, k))) return { kver: k, kernel };
  }
  throw new DiscoveryImageError(
    'NO_KERNEL',
    `no kernel with its modules in ${bootDir} and ${modulesDir}: install one (Debian: apt-get install linux-image-amd64) or pass --kver`,
  );
}

function byVersion(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** The temp dracut base: symlinks to the system's files and modules, and 95kickstand assembled from
 *  the repository (module files + the shared shell). Returns the base folder. */
export async function assembleDracutBase(tmp: string, dracutDir: string, sourceDir: string): Promise<string> {
  const base = path.join(tmp, 'dracut');
  const modules = path.join(base, 'modules.d');
  await mkdir(modules, { recursive: true });
  for (const entry of await readdir(dracutDir)) {
    if (entry !== 'modules.d') await symlink(path.join(dracutDir, entry), path.join(base, entry));
  }
  for (const mod of await readdir(path.join(dracutDir, 'modules.d'))) {
    // A system module of the same name would be ambiguous: ours wins.
    if (mod.replace(/^\d+/, '') === 'kickstand') continue;
    await symlink(path.join(dracutDir, 'modules.d', mod), path.join(modules, mod));
  }
  const ours = path.join(modules, '95kickstand');
  await cp(path.join(sourceDir, 'dracut', '95kickstand'), ours, { recursive: true });
  await mkdir(path.join(ours, 'lib'));
  const shell = path.join(sourceDir, 'kickstarts', 'discovery');
  for (const f of SHARED_SHELL) await copyFile(path.join(shell, f), path.join(ours, 'lib', f));
  for (const f of await readdir(ours)) if (f.endsWith('.sh')) await chmod(path.join(ours, f), 0o755);
  return base;
}

export function dracutArgs(o: {
  kver: string;
  modules: string[];
  drivers: string[];
  compress: Compression;
  confdir: string;
  tmpdir: string;
  out: string;
}): string[] {
  return [
    '--conf',
    '/dev/null',
    '--confdir',
    o.confdir,
    '--tmpdir',
    o.tmpdir,
    '--force',
    '--no-hostonly',
    '--no-hostonly-cmdline',
    '--no-early-microcode',
    '--reproducible',
    `--${o.compress}`,
    '--kver',
    o.kver,
    '--modules',
    o.modules.join(' '),
    '--add-drivers',
    o.drivers.join(' '),
    o.out,
  ];
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60_000 }, (err, stdout, stderr) => {
      if (!err) {
        resolve();
        return;
      }
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      if (missing) {
        reject(new DiscoveryImageError('NO_DRACUT', `${cmd} not found: install dracut (Debian: apt-get install dracut-core)`));
        return;
      }
      const tail = `${stdout}${stderr}`.trim().split('\n').slice(-25).join('\n');
      reject(new DiscoveryImageError('DRACUT_FAILED', `dracut failed (${messageOf(err).split('\n')[0]}):\n${tail}`));
    });
  });
}

/** Copy into the output folder under a temp name, then rename: a service serving it never sees half a file. */
async function publish(from: string, dir: string, name: string): Promise<string> {
  const to = path.join(dir, name);
  const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
  try {
    await copyFile(from, tmp);
    // Machines boot it and it holds no secret: readable by a service running as another user.
    await chmod(tmp, 0o644);
    await rename(tmp, to);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new DiscoveryImageError('WRITE_FAILED', `${to}: ${messageOf(err)}`);
  }
  return to;
}

export async function buildDiscoveryImage(o: BuildOptions): Promise<BuildReport> {
  const started = Date.now();
  const dracutDir = o.dracutDir ?? '/usr/lib/dracut';
  if (!existsSync(path.join(dracutDir, 'modules.d')))
    throw new DiscoveryImageError('NO_DRACUT', `${dracutDir}/modules.d not found: install dracut (Debian: apt-get install dracut-core)`);
  const { kver, kernel } = await findKernel(o.kver, o.bootDir, o.modulesDir);
  const network = o.network ?? 'network-legacy';
  if (!(await hasModule(dracutDir, network)))
    throw new DiscoveryImageError('NO_DRACUT', `dracut has no "${network}" module in ${dracutDir}/modules.d`);
  const modules = dracutModules(network);
  const drivers = [...new Set([...BASE_DRIVERS, ...(o.addDrivers ?? [])])];
  try {
    await mkdir(o.out, { recursive: true });
  } catch (err) {
    throw new DiscoveryImageError('WRITE_FAILED', `${o.out}: ${messageOf(err)}`);
  }
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'kickstand-dracut-'));
  try {
    const base = await assembleDracutBase(tmp, dracutDir, o.sourceDir ?? packageRoot());
    const confdir = path.join(tmp, 'conf.d');
    await mkdir(confdir);
    const work = path.join(tmp, 'work');
    await mkdir(work);
    const initrd = path.join(tmp, 'initrd.img');
    const args = dracutArgs({ kver, modules, drivers, compress: o.compress ?? 'gzip', confdir, tmpdir: work, out: initrd });
    await run(o.dracut ?? 'dracut', args, { ...process.env, dracutbasedir: base });
    const vmlinuz = await publish(kernel, o.out, 'vmlinuz');
    const initrdOut = await publish(initrd, o.out, 'initrd.img');
    return {
      kver,
      kernelSource: kernel,
      vmlinuz,
      initrd: initrdOut,
      vmlinuzBytes: (await stat(vmlinuz)).size,
      initrdBytes: (await stat(initrdOut)).size,
      modules,
      drivers,
      ms: Date.now() - started,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function hasModule(dracutDir: string, name: string): Promise<boolean> {
  return (await readdir(path.join(dracutDir, 'modules.d'))).some((m) => m.replace(/^\d+/, '') === name);
}
