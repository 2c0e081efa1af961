// PXELinux (BIOS): IPAPPEND 2 makes pxelinux add BOOTIF=01-aa-bb-… so the %pre knows the boot NIC.
import { discoveryArgs, resolved, type BootSource } from './options.js';

export function pxelinux(src: BootSource): string {
  const r = resolved(src);
  return [
    'LABEL kickstand',
    '  MENU LABEL Kickstand discovery',
    `  KERNEL ${r.kernel}`,
    `  APPEND initrd=${r.initrd} ${discoveryArgs(src).join(' ')}`,
    '  IPAPPEND 2',
    '',
  ].join('\n');
}
