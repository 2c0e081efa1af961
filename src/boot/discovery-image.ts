// Boot entries for the dracut discovery image (docs/discovery-image.md): its kernel and initrd come
// from Kickstand itself (/discovery/vmlinuz, /discovery/initrd.img), so TFTP at most chains to iPXE.
// The image learns where Kickstand is from kickstand.url= and networks with dracut's own ip=dhcp
// rd.neednet=1; its one DHCP lease is the one dracut gets.
import { grubPath } from './grub.js';
import type { BootSource } from './options.js';

export const IMAGE_BOOT_FORMATS = ['ipxe', 'grub', 'uefi-http', 'cmdline'] as const;
export type ImageBootFormat = (typeof IMAGE_BOOT_FORMATS)[number];

export function isImageBootFormat(format: string): format is ImageBootFormat {
  return (IMAGE_BOOT_FORMATS as readonly string[]).includes(format);
}

export function imageUrls(url: string): { vmlinuz: string; initrd: string } {
  return { vmlinuz: `${url}/discovery/vmlinuz`, initrd: `${url}/discovery/initrd.img` };
}

/** The image's kernel arguments: dracut networking, Kickstand's URL, the optional profile and key. */
export function imageArgs(src: BootSource): string[] {
  return [
    'ip=dhcp',
    'rd.neednet=1',
    `kickstand.url=${src.url}`,
    ...(src.profile ? [`kickstand.profile=${src.profile}`] : []),
    ...(src.bootKey ? [`kickstand.key=${src.bootKey}`] : []),
  ];
}

function ipxe(src: BootSource): string {
  const u = imageUrls(src.url);
  return [
    '#!ipxe',
    `kernel ${u.vmlinuz} initrd=initrd.img ${imageArgs(src).join(' ')} BOOTIF=01-\${netX/mac:hexhyp}`,
    `initrd --name initrd.img ${u.initrd}`,
    'boot',
    '',
  ].join('\n');
}

// The image's kernel is a current distro kernel: plain linux/initrd (GRUB 2.06+; EL 8's GRUB wants
// linuxefi/initrdefi under UEFI). GRUB's http module takes `(http,HOST)/PATH`, no URL and no https.
function grub(src: BootSource): string {
  const u = imageUrls(src.url);
  const bootif = src.bootMac ? [`BOOTIF=01-${src.bootMac.replace(/:/g, '-')}`] : [];
  return [
    ...(src.url.startsWith('https:')
      ? ['# GRUB cannot fetch https: copy vmlinuz and initrd.img next to grubx64.efi and use their TFTP paths']
      : []),
    "menuentry 'Kickstand discovery image' {",
    '  insmod http',
    `  linux ${grubPath(u.vmlinuz)} ${[...imageArgs(src), ...bootif].join(' ')}`,
    `  initrd ${grubPath(u.initrd)}`,
    '}',
    '',
  ].join('\n');
}

// UEFI HTTP boot fetches ONE EFI program by URL and passes it no arguments, so it cannot start a
// kernel with an initrd and a command line by itself: it starts iPXE, which runs the script above.
function uefiHttp(src: BootSource): string {
  const script = `${src.url}/discovery/boot/ipxe${src.profile ? `?profile=${src.profile}` : ''}`;
  return [
    '# UEFI HTTP boot of the Kickstand discovery image: no TFTP at all.',
    '# The firmware asks DHCP with vendor class "HTTPClient" and fetches one EFI program by URL; that',
    '# program is iPXE (snponly.efi: Debian package ipxe, /usr/lib/ipxe/snponly.efi; or ipxe.efi), put',
    '# on any web server (WEB below). iPXE asks DHCP again with user class "iPXE" and is given this script:',
    `#   ${script}`,
    '# which loads /discovery/vmlinuz and /discovery/initrd.img from Kickstand. Secure Boot must be off',
    '# (iPXE is not signed by Microsoft). Firmware menus also let a person type the iPXE URL by hand.',
    '',
    '# ISC dhcpd',
    'class "httpclients" {',
    '  match if substring(option vendor-class-identifier, 0, 10) = "HTTPClient";',
    '  option vendor-class-identifier "HTTPClient";',
    '  filename "http://WEB/snponly.efi";',
    '}',
    'if exists user-class and option user-class = "iPXE" {',
    `  filename "${script}";`,
    '}',
    '',
    '# dnsmasq',
    'dhcp-vendorclass=set:httpboot,HTTPClient',
    'dhcp-option-force=tag:httpboot,60,HTTPClient',
    'dhcp-boot=tag:httpboot,http://WEB/snponly.efi',
    'dhcp-userclass=set:ipxe,iPXE',
    `dhcp-boot=tag:ipxe,${script}`,
    '',
  ].join('\n');
}

const GENERATORS: Record<ImageBootFormat, (src: BootSource) => string> = {
  ipxe,
  grub,
  'uefi-http': uefiHttp,
  cmdline: (src) => `${imageArgs(src).join(' ')}\n`,
};

export function discoveryImageEntry(format: ImageBootFormat, src: BootSource): string {
  return GENERATORS[format](src);
}
