// One qemu VM for the VM test: the kernel and initramfs of test/vm/initramfs.ts, its serial console
// captured, its user-mode network restricted so that the only address it reaches is the service.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VM_CACHE_DIR, type VmImage } from './initramfs.js';

/** Where the guest finds the service: guestfwd on the user network forwards it to the host. */
export const GUEST_SERVICE_ADDR = '10.0.2.100';
export const GUEST_SERVICE_PORT = 8080;

export type Accel = 'kvm' | 'tcg';

export interface VmOptions {
  image: VmImage;
  accel: Accel;
  /** Kernel command line after `console=ttyS0`. */
  append: string;
  /** The service's port on 127.0.0.1; omitted for a VM that needs no network (the probe). */
  servicePort?: number;
  /** One virtio NIC per MAC; the first carries the forward to the service. */
  macs?: string[];
  memoryMib?: number;
  cpus?: number;
  /** A raw disk image and the serial its virtio-blk device reports. */
  disk?: { file: string; serial: string };
  /**
   * A raw disk image on a virtio-scsi controller (scsi-hd): the serial of its VPD page 0x80 and the
   * INQUIRY vendor (at most 8 characters) and product (at most 16), which the guest reads as the
   * disk's vendor and model.
   */
  scsiDisk?: { file: string; serial: string; vendor?: string; product?: string };
  /**
   * SMBIOS strings, each passed verbatim: qemu's option syntax ends a value at a comma unless it is
   * doubled, so every comma is doubled here. Type 1 (system) always; type 2 (baseboard) and type 3
   * (chassis) when given.
   */
  smbios?: {
    manufacturer: string;
    product: string;
    serial: string;
    version?: string;
    sku?: string;
    family?: string;
    baseboard?: { manufacturer?: string; product?: string; version?: string; serial?: string; asset?: string };
    chassis?: { manufacturer?: string; version?: string; serial?: string; asset?: string; sku?: string };
  };
  /**
   * UEFI: OVMF's code (read-only pflash) and a writable copy of its variable store. The kernel and
   * initrd still come from -kernel/-initrd: qemu hands them to OVMF through fw_cfg, which starts the
   * kernel through its EFI stub. `secureBoot`: OVMF's Secure Boot build, which needs SMM (q35 with
   * smm=on, the flash writable only from SMM); the variable store decides whether Secure Boot is on.
   */
  uefi?: { code: string; vars: string; secureBoot?: boolean };
  /** More guest addresses forwarded to 127.0.0.1 ports (a forwarder per connection, like the service's). */
  forwards?: { guestAddr: string; guestPort: number; hostPort: number }[];
  /** A reboot resets the VM through its firmware instead of ending qemu (no -no-reboot). */
  allowReboot?: boolean;
  /**
   * No -kernel/-initrd/-append: the firmware boots from a disk. Under OVMF a fw_cfg kernel wins over
   * BootNext at every reset (OVMF 2022.11 boots it again and leaves BootNext set), so a test of a
   * firmware boot entry must start its first kernel from a disk too (test/vm/stage.test.ts).
   */
  firmwareBoot?: boolean;
  /** More raw disks after `disk`, in order; `bootindex` puts one first in the firmware's boot order. */
  extraDisks?: { file: string; serial: string; bootindex?: number }[];
}

export interface Vm {
  /** The serial console so far. */
  console(): string;
  /** Resolves with the first match on the console, or rejects after `ms` or when qemu exits first. */
  waitFor(pattern: RegExp, ms: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  /** Kills qemu (if still running) and waits for it. */
  stop(): Promise<void>;
}

/** One `key=value` list of a qemu option, commas in values doubled (qemu's escape), empty values left out. */
export function qemuOptionList(first: string, fields: Record<string, string | undefined>): string {
  const parts = [first];
  for (const [key, value] of Object.entries(fields))
    if (value !== undefined && value !== '') parts.push(`${key}=${value.replaceAll(',', ',,')}`);
  return parts.join(',');
}

/** The machine every VM starts from: no default devices or display, the serial console on stdio. */
export function machineArgs(o: Pick<VmOptions, 'accel' | 'allowReboot' | 'memoryMib' | 'cpus'>): string[] {
  const args = ['-accel', o.accel, '-nodefaults', '-display', 'none', ...(o.allowReboot ? [] : ['-no-reboot']), '-serial', 'stdio'];
  args.push('-m', String(o.memoryMib ?? 512), '-smp', String(o.cpus ?? 1));
  return args;
}

export function qemuArgs(o: VmOptions): string[] {
  const args = machineArgs(o);
  if (o.uefi?.secureBoot) args.push('-machine', 'q35,smm=on', '-global', 'driver=cfi.pflash01,property=secure,value=on');
  if (o.uefi) {
    args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${o.uefi.code}`);
    args.push('-drive', `if=pflash,format=raw,unit=1,file=${o.uefi.vars}`);
  }
  if (!o.firmwareBoot) args.push('-kernel', o.image.kernel, '-initrd', o.image.initramfs, '-append', `console=ttyS0 ${o.append}`);
  (o.macs ?? []).forEach((mac, i) => {
    let netdev = `user,id=n${i},restrict=on`;
    // A forwarder process per connection (guestfwd cmd:), so the forward survives a service restart.
    // slirp hands the command the connection as stdin, stdout and stderr: socat's own messages (a refused
    // connect while the service is down) would reach the guest as a reply, so they go to /dev/null.
    if (i === 0 && o.servicePort !== undefined) {
      netdev += `,guestfwd=tcp:${GUEST_SERVICE_ADDR}:${GUEST_SERVICE_PORT}-cmd:socat -lf /dev/null - TCP:127.0.0.1:${o.servicePort}`;
    }
    if (i === 0) {
      for (const f of o.forwards ?? [])
        netdev += `,guestfwd=tcp:${f.guestAddr}:${f.guestPort}-cmd:socat -lf /dev/null - TCP:127.0.0.1:${f.hostPort}`;
    }
    args.push('-netdev', netdev, '-device', `virtio-net-pci,netdev=n${i},mac=${mac}`);
  });
  if (o.disk) {
    args.push('-drive', `file=${o.disk.file},if=none,id=d0,format=raw`, '-device', `virtio-blk-pci,drive=d0,serial=${o.disk.serial}`);
  }
  if (o.scsiDisk) {
    const { file, serial, vendor, product } = o.scsiDisk;
    args.push('-device', 'virtio-scsi-pci,id=scsi0', '-drive', `file=${file},if=none,id=d1,format=raw`);
    args.push('-device', qemuOptionList('scsi-hd', { bus: 'scsi0.0', drive: 'd1', serial, vendor, product }));
  }
  (o.extraDisks ?? []).forEach((d, i) => {
    const boot = d.bootindex === undefined ? '' : `,bootindex=${d.bootindex}`;
    args.push('-drive', `file=${d.file},if=none,id=x${i},format=raw`, '-device', `virtio-blk-pci,drive=x${i},serial=${d.serial}${boot}`);
  });
  if (o.smbios) {
    const { manufacturer, product, serial, version, sku, family, baseboard, chassis } = o.smbios;
    args.push('-smbios', qemuOptionList('type=1', { manufacturer, product, version, serial, sku, family }));
    if (baseboard) args.push('-smbios', qemuOptionList('type=2', baseboard));
    if (chassis) args.push('-smbios', qemuOptionList('type=3', chassis));
  }
  return args;
}

export function bootVm(o: VmOptions): Vm {
  return runQemu(qemuArgs(o));
}

/** qemu-system-x86_64 with `args`, its console (stdout and stderr) captured for waitFor. */
export function runQemu(args: string[]): Vm {
  const child: ChildProcess = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters = new Set<() => void>();
  // What waitFor reads: the console without the kernel's own lines. The kernel and the guest's programs
  // share the serial line, and a kernel line can land in the middle of one still being sent (seen in
  // CI: "KICKSTAND-VM: in", then "[   39.48] sysrq: Power Off", then "clude end"), which would split a
  // marker the tests read whole. Cut from complete lines only: a kernel line ends with its newline.
  let seen = '';
  let cut = 0;
  const onData = (chunk: Buffer) => {
    out += chunk.toString('latin1');
    const end = out.lastIndexOf('\n') + 1;
    if (end > cut) {
      seen += out.slice(cut, end).replace(KERNEL_LINE, '');
      cut = end;
    }
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => {
    done = true;
    for (const w of waiters) w();
  });
  return {
    console: () => out,
    waitFor(pattern, ms) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(seen + out.slice(cut));
          if (m) finish(() => resolve(m));
          else if (done) finish(() => reject(new Error(`qemu exited before ${pattern}; console:\n${out.slice(-4000)}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${ms} ms; console:\n${out.slice(-4000)}`))), ms);
        const finish = (f: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          f();
        };
        waiters.add(check);
        check();
      });
    },
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A kernel log line on the console, as printk writes it: `[   39.489081] sysrq: Power Off`. */
const KERNEL_LINE = /\[ *\d+\.\d{6}\] [^\n]*\n/g;

const PROBE_MARKER = /KICKSTAND-VM-PROBE-OK/;

/**
 * KVM when it works, else TCG. /dev/kvm can open and still hang a guest (a paravirtual nested KVM such
 * as kvm_pvm runs no stock kernel), so the probe boots the image to userspace with a time limit. The
 * answer is kept per host kernel, image and qemu in the cache folder: the probe costs up to `ms`.
 * KICKSTAND_VM_ACCEL=kvm|tcg skips it.
 */
export async function chooseAccel(image: VmImage, ms = 20_000): Promise<{ accel: Accel; probeMs: number }> {
  const forced = process.env.KICKSTAND_VM_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return { accel: forced, probeMs: 0 };
  if (!existsSync('/dev/kvm')) return { accel: 'tcg', probeMs: 0 };
  const hostKernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  const memo = path.join(VM_CACHE_DIR, `accel-${hostKernel}-${path.basename(image.initramfs, '.img')}.txt`);
  if (existsSync(memo)) {
    const accel = readFileSync(memo, 'utf8').trim();
    if (accel === 'kvm' || accel === 'tcg') return { accel, probeMs: 0 };
  }
  const started = Date.now();
  const vm = bootVm({ image, accel: 'kvm', append: 'kickstand.probe=1' });
  let accel: Accel = 'tcg';
  try {
    await vm.waitFor(PROBE_MARKER, ms);
    accel = 'kvm';
  } catch {
    // No marker in time or qemu refused KVM: TCG it is.
  } finally {
    await vm.stop();
  }
  await mkdir(VM_CACHE_DIR, { recursive: true });
  await writeFile(memo, `${accel}\n`);
  return { accel, probeMs: Date.now() - started };
}
