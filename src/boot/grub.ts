// GRUB2 (UEFI). The shim/GRUB of EL 8 and 9 boots with linuxefi/initrdefi; GRUB 2.06+ as shipped by
// Fedora and EL 10 takes plain linux/initrd. Unknown release: the EL 8/9 spelling, the most common
// on racks today. GRUB cannot give the boot MAC in BOOTIF's format, so the %pre falls back to the NIC
// with the default route. GRUB does not take URLs: a file on an HTTP server is `(http,HOST)/PATH`
// (`(http,HOST,PORT)/PATH` on another port), fetched by its http module; it has no https.
import { discoveryArgs, resolved, type BootSource } from './options.js';

export function grubCommands(src: BootSource): [string, string] {
  const r = src.release;
  const plain = r !== undefined && (r.family === 'fedora' || r.major >= 10);
  return plain ? ['linux', 'initrd'] : ['linuxefi', 'initrdefi'];
}

export function grubPath(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'http:') return url;
  return `(http,${u.hostname}${u.port ? `,${u.port}` : ''})${u.pathname}${u.search}`;
}

export function grub(src: BootSource): string {
  const r = resolved(src);
  const [linux, initrd] = grubCommands(src);
  const https = [r.kernel, r.initrd].some((u) => u.startsWith('https:'));
  return [
    ...(https ? ['# GRUB cannot fetch https: copy the kernel and initrd next to grubx64.efi and use their TFTP paths'] : []),
    "menuentry 'Kickstand discovery' {",
    `  ${linux} ${grubPath(r.kernel)} ${[...discoveryArgs(src), ...(src.bootMac ? [`BOOTIF=01-${src.bootMac.replace(/:/g, '-')}`] : [])].join(' ')}`,
    `  ${initrd} ${grubPath(r.initrd)}`,
    '}',
    '',
  ].join('\n');
}
