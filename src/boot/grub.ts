// GRUB2 (UEFI). linuxefi/initrdefi for the shim/GRUB of EL 8 and 9; newer GRUB takes plain
// linux/initrd. GRUB cannot give the boot MAC in BOOTIF's format, so the %pre falls back to the NIC
// with the default route.
import { discoveryArgs, resolved, type BootSource } from './options.js';

export function grub(src: BootSource, opts: { efiCommands?: boolean } = {}): string {
  const r = resolved(src);
  const [linux, initrd] = opts.efiCommands === false ? ['linux', 'initrd'] : ['linuxefi', 'initrdefi'];
  return [
    "menuentry 'Kickstand discovery' {",
    `  ${linux} ${r.kernel} ${discoveryArgs(src).join(' ')}`,
    `  ${initrd} ${r.initrd}`,
    '}',
    '',
  ].join('\n');
}
