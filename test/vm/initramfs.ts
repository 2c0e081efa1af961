// The VM test's boot image: Debian's installed kernel and a dracut initramfs holding the commands a %pre
// may use (test/fixtures/anaconda-tools.txt) and the hooks in test/vm/guest/ that play Anaconda's part
// with inst.ks=. dracut takes ~1 min, so the image is cached under a hash of everything that goes in.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { allowedTools, whichOnHost } from '../support/restricted-path.js';

export const VM_CACHE_DIR = process.env.KICKSTAND_VM_CACHE ?? '/var/tmp/kickstand-vm-cache';
const GUEST_DIR = path.resolve('test/vm/guest');
const GUEST_FILES = ['anaconda-ks.sh', 'online-hook.sh', 'cmdline-hook.sh', 'halt-standin.sh'] as const;

// Allowed commands left out of the image: interpreters whose binary is useless without their library
// trees (the %pre uses neither), and systemd's, which has nothing to talk to in a shell-init initramfs:
// systemctl and nm-online are absent (the %pre's `systemctl kexec` fails and it runs `kexec -e`), and
// reboot/poweroff (Debian's are links to systemctl) are guest/halt-standin.sh, which does the syscall.
const LEFT_OUT = ['python3', 'perl', 'systemctl', 'nm-online', 'reboot', 'poweroff'];
// Besides the %pre's commands: busybox for base64 (the console dump) and the network stack's needs.
const HARNESS_TOOLS = ['busybox', 'mktemp', 'tee', 'sed', 'wc'];
// dracut modules: shell init (no systemd), the legacy dhclient network stack for ip=dhcp, virtio drivers.
const DRACUT_MODULES = ['bash', 'base', 'udev-rules', 'kernel-modules', 'kernel-network-modules', 'network-legacy', 'network'];
// efivarfs: the UEFI boot's %pre reads SecureBoot/SetupMode from /sys/firmware/efi/efivars.
// virtio_scsi + sd_mod: the second disk (scsi-hd on virtio-scsi). The IPMI stack (test/vm/ipmi-bmc.test.ts):
// ipmi_si drives qemu's isa-ipmi-kcs, ipmi_devintf makes /dev/ipmi0 for ipmitool; on a VM without a BMC
// nothing loads them.
const DRIVERS = [
  'virtio_pci',
  'virtio_net',
  'virtio_blk',
  'virtio_scsi',
  'sd_mod',
  'net_failover',
  'failover',
  'efivarfs',
  'ipmi_msghandler',
  'ipmi_si',
  'ipmi_devintf',
];

export interface VmImage {
  kernel: string;
  initramfs: string;
  kver: string;
  /** Allowed commands this machine lacks, so the image lacks them too. */
  missingTools: string[];
  /** True when the image came from the cache. */
  cached: boolean;
  buildMs: number;
}

/** The newest kernel under /boot that has its modules installed. */
export function installedKernel(): { kernel: string; kver: string } {
  const kvers = readdirSync('/boot')
    .filter((f) => f.startsWith('vmlinuz-'))
    .map((f) => f.slice('vmlinuz-'.length))
    .filter((k) => existsSync(path.join('/lib/modules', k)))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const kver = kvers.at(-1);
  if (!kver) throw new Error('no /boot/vmlinuz-* with /lib/modules/<kver>: apt-get install linux-image-amd64');
  return { kernel: path.join('/boot', `vmlinuz-${kver}`), kver };
}

function dpkgVersion(pkg: string): string {
  return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
}

/** The kernel and a cached (or freshly built) initramfs for the VM test. */
export async function vmImage(): Promise<VmImage> {
  const { kernel, kver } = installedKernel();
  const { required, optional } = allowedTools();
  const wanted = [...new Set([...required, ...optional, ...HARNESS_TOOLS])].filter((t) => !LEFT_OUT.includes(t));
  const found = wanted.map((t) => [t, whichOnHost(t)] as const);
  const tools = found.filter(([, p]) => p).map(([, p]) => p!);
  const missingTools = found.filter(([, p]) => !p).map(([t]) => t);

  const hash = createHash('sha256');
  hash.update(JSON.stringify({ kver, dracut: dpkgVersion('dracut'), tools, DRACUT_MODULES, DRIVERS }));
  hash.update(readFileSync(kernel));
  for (const f of GUEST_FILES) hash.update(readFileSync(path.join(GUEST_DIR, f)));
  const key = hash.digest('hex').slice(0, 16);
  const initramfs = path.join(VM_CACHE_DIR, `initramfs-${kver}-${key}.img`);
  if (existsSync(initramfs)) return { kernel, initramfs, kver, missingTools, cached: true, buildMs: 0 };

  const started = Date.now();
  await mkdir(VM_CACHE_DIR, { recursive: true });
  const stage = await mkdtemp(path.join(VM_CACHE_DIR, 'stage-'));
  try {
    // Hooks and the script go in through --include: no dracut module to install on the host.
    const hooks = path.join(stage, 'root/lib/dracut/hooks');
    await mkdir(path.join(hooks, 'cmdline'), { recursive: true });
    await mkdir(path.join(hooks, 'initqueue/online'), { recursive: true });
    await mkdir(path.join(stage, 'root/usr/lib/kickstand'), { recursive: true });
    await mkdir(path.join(stage, 'root/usr/sbin'), { recursive: true });
    const place = async (from: string, to: string) => {
      await copyFile(path.join(GUEST_DIR, from), path.join(stage, 'root', to));
      await chmod(path.join(stage, 'root', to), 0o755);
    };
    await place('cmdline-hook.sh', 'lib/dracut/hooks/cmdline/90-kickstand.sh');
    await place('online-hook.sh', 'lib/dracut/hooks/initqueue/online/80-kickstand.sh');
    await place('anaconda-ks.sh', 'usr/lib/kickstand/anaconda-ks.sh');
    await place('halt-standin.sh', 'usr/sbin/reboot');
    await place('halt-standin.sh', 'usr/sbin/poweroff');
    const out = path.join(stage, 'initramfs.img');
    try {
      execFileSync(
        'dracut',
        [
          '--force',
          '--no-hostonly',
          '--no-hostonly-cmdline',
          '--no-early-microcode',
          '--reproducible',
          '--gzip',
          '--kver',
          kver,
          '--modules',
          DRACUT_MODULES.join(' '),
          '--add-drivers',
          DRIVERS.join(' '),
          '--install',
          tools.join(' '),
          '--include',
          path.join(stage, 'root'),
          '/',
          out,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 },
      );
    } catch (err) {
      const e = err as { stderr?: Buffer; stdout?: Buffer };
      throw new Error(`dracut failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`, { cause: err });
    }
    await rename(out, initramfs);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  return { kernel, initramfs, kver, missingTools, cached: false, buildMs: Date.now() - started };
}
