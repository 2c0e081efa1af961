// The stage action for real, under OVMF (UEFI, no Secure Boot keys) on a blank disk: the host is
// assigned `stage` with a kernel (the same Debian vmlinuz) and a marker initrd (static busybox, an /init
// printing a marker and /proc/cmdline, then powering off). The %pre partitions the blank disk, writes
// both files to the new EFI system partition, makes a "Kickstand stage" boot entry its BootNext and
// reboots; the firmware must start the staged kernel by itself, with the assigned command line.
//
// The first boot cannot use -kernel/-initrd: OVMF boots a fw_cfg kernel again at every reset and never
// reaches BootNext (tried with OVMF 2022.11: the discovery kernel came back, BootNext still set). So the
// discovery kernel boots from a second disk: a GPT with an EFI system partition holding a standalone
// GRUB EFI image (\EFI\BOOT\BOOTX64.EFI, grub-mkstandalone) whose embedded grub.cfg starts the image's
// kernel and initramfs with Anaconda's inst.ks= arguments. qemu runs without -no-reboot.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootInstaller, DISK, hostDetail, INSTALLER_ARGS, OVMF_CODE, OVMF_VARS, startRig, vmSuite, waitRegistered } from './harness.js';
import { markerInitrd, startFileServer, waitMarker } from './marker.js';

const MARKER = 'KICKSTAND-STAGE';
const APPEND = 'console=ttyS0 panic=-1 kickstand.stage=second-boot quiet';
const GRUB_EFI_MODULES = '/usr/lib/grub/x86_64-efi';

const suite = vmSuite('stage');
const { cleanups, timings } = suite;

const sh = (script: string) => execFileSync('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * The discovery boot disk: GPT, one EFI system partition (FAT, label KSBOOT) with a standalone GRUB as
 * the removable-media loader, the image's kernel and initramfs, and a grub.cfg booting them with `append`.
 * Built without mounting anything: mkfs.vfat -C on a file, mtools to fill it, dd into the disk at 1 MiB.
 */
async function discoveryDisk(dir: string, kernel: string, initramfs: string, append: string): Promise<string> {
  const cfg = path.join(dir, 'grub-embedded.cfg');
  await writeFile(
    cfg,
    // The memdisk holds every module, but only commands load theirs by themselves: the partition map and
    // the file system that search must probe are loaded first (without them: "no such device: KSBOOT").
    [
      'set timeout=0',
      'insmod part_gpt',
      'insmod fat',
      'search --no-floppy --label --set=root KSBOOT',
      `linux /vmlinuz ${append}`,
      'initrd /initrd.img',
      'boot',
      '',
    ].join('\n'),
  );
  const efi = path.join(dir, 'BOOTX64.EFI');
  sh(`grub-mkstandalone -O x86_64-efi -o "${efi}" "boot/grub/grub.cfg=${cfg}"`);
  const partMib = Math.ceil(((await stat(initramfs)).size + (await stat(kernel)).size + (await stat(efi)).size) / 1048576) + 48;
  const part = path.join(dir, 'boot-part.img');
  sh(`mkfs.vfat -C -n KSBOOT "${part}" ${partMib * 1024} >/dev/null`);
  sh(`mmd -i "${part}" ::/EFI ::/EFI/BOOT && mcopy -i "${part}" "${efi}" ::/EFI/BOOT/BOOTX64.EFI`);
  sh(`mcopy -i "${part}" "${kernel}" ::/vmlinuz && mcopy -i "${part}" "${initramfs}" ::/initrd.img`);
  const disk = path.join(dir, 'boot-disk.img');
  await writeFile(disk, '');
  await truncate(disk, (partMib + 2) * 1048576);
  sh(`sgdisk -o -n 1:2048:+${partMib}M -t 1:ef00 "${disk}" >/dev/null`);
  sh(`dd if="${part}" of="${disk}" bs=1M seek=1 conv=notrunc status=none`);
  return disk;
}

const ready = existsSync(OVMF_CODE) && existsSync(OVMF_VARS) && existsSync(GRUB_EFI_MODULES);

describe.skipIf(!ready)('the stage action under UEFI in a real VM', () => {
  it('When a VM on a blank disk is assigned stage, then it writes the EFI system partition, sets BootNext, reboots by itself and the firmware starts the staged kernel with the assigned command line', async () => {
    const rig = await startRig(cleanups);
    const { env } = suite;
    const initrd = await markerInitrd(rig.work, MARKER);
    const kernelBytes = readFileSync(env.image.kernel);
    const initrdBytes = readFileSync(initrd);
    const files = await startFileServer({ vmlinuz: env.image.kernel, 'initrd.gz': initrd });
    cleanups.push(files.stop);
    const discoveryAppend = ['console=ttyS0', ...INSTALLER_ARGS].join(' ');
    const bootDisk = await discoveryDisk(rig.work, env.image.kernel, env.image.initramfs, discoveryAppend);

    const b = bootInstaller(env, rig, cleanups, 'stage', {
      uefi: { code: OVMF_CODE, vars: await rig.uefiVars() },
      firmwareBoot: true,
      allowReboot: true,
      extraDisks: [{ file: bootDisk, serial: 'KSBOOT1', bootindex: 1 }],
      forwards: [files.forward],
    });
    const host = await waitRegistered(rig, b);
    timings.bootToRegistrationMs = Date.now() - b.booted;
    expect(host.facts.firmware).toEqual({ type: 'uefi', secure_boot: false });
    expect(host.facts.stage).toEqual({ available: true });
    expect(host.facts.disks.map((d: { name: string; serial?: string }) => [d.name, d.serial])).toEqual([
      ['vda', DISK.serial],
      ['vdb', 'KSBOOT1'],
    ]);

    const { base } = files;
    const res = await rig.admin('POST', `/api/v1/hosts/${host.id}/assignment`, {
      action: 'stage',
      kernel: `${base}/vmlinuz`,
      kernel_sha256: sha256(kernelBytes),
      kernel_size: kernelBytes.length,
      initrd: `${base}/initrd.gz`,
      initrd_sha256: sha256(initrdBytes),
      initrd_size: initrdBytes.length,
      append: APPEND,
    });
    expect(res.status, await res.clone().text()).toBe(200);

    // One qemu process throughout: the %pre reboots, the firmware takes BootNext, the marker runs.
    const cmdline = await waitMarker(b, MARKER, 300_000);
    timings.bootToStageMarkerMs = Date.now() - b.booted;
    expect(cmdline.trim()).toBe(`initrd=\\EFI\\kickstand\\initrd.img ${APPEND}`);
    // The firmware, not a kernel of ours, started it: BootNext named the entry the %pre made.
    expect(b.vm.console()).toMatch(
      /BdsDxe: starting Boot[0-9A-F]{4} "Kickstand stage" from HD\(1,GPT,[0-9A-F-]+,0x800,0x100000\)\/\\EFI\\kickstand\\vmlinuz\.efi/,
    );
    expect(files.requests).toEqual(['/vmlinuz', '/initrd.gz']);
    await Promise.race([b.vm.exited, new Promise((r) => setTimeout(r, 30_000))]);

    // The staged files are on the new EFI system partition of the blank disk (GPT, partition 1 at 1 MiB).
    const esp = `${rig.disk}@@1M`;
    expect(sh(`sgdisk -p "${rig.disk}"`).toString()).toMatch(/^\s+1\s+2048\s+\d+\s+[\d.]+ MiB\s+EF00\s+KICKSTAND$/m);
    expect(sha256(sh(`mcopy -n -i "${esp}" ::/EFI/kickstand/vmlinuz.efi -`))).toBe(sha256(kernelBytes));
    expect(sha256(sh(`mcopy -n -i "${esp}" ::/EFI/kickstand/initrd.img -`))).toBe(sha256(initrdBytes));

    const after = (await hostDetail(rig, host.id as string)) as { state: string; events: { type: string; message: string }[] };
    expect(after.state).toBe('provisioning');
    expect(after.events.map((e) => e.type)).toEqual(expect.arrayContaining(['assigned', 'delivered', 'installing']));
    expect(after.events.find((e) => e.type === 'installing')!.message).toMatch(
      /^installing: staged http:\/\/10\.0\.2\.100:8081\/vmlinuz on vda \(EFI system partition vda1, boot entry Boot[0-9A-F]{4} as BootNext\); rebooting into it$/,
    );
  }, 600_000);
});
