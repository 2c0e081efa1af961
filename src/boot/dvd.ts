// Without PXE: the official DVD/ISO is its own installation source (no inst.repo). Either type the
// options at the boot menu, or bake the stub into the ISO with lorax's mkksiso (RHEL 9+; RHEL 8's
// mkksiso has no -u).
import type { BootSource } from './options.js';

export function dvdArgs(src: BootSource): string {
  return `ip=dhcp inst.ks=${src.url}/ks inst.ks.sendmac inst.ks.sendsn`;
}

export function dvdRecipe(src: BootSource): string {
  return [
    '# At the installer boot menu: select "Install", press e (UEFI) or Tab (BIOS), append:',
    dvdArgs(src),
    '',
    '# Or bake the stub into the ISO (lorax mkksiso, on an EL 9+ or Fedora machine):',
    `curl -fsS -o kickstand-stub.ks ${src.url}/ks`,
    'mkksiso --ks kickstand-stub.ks -c "ip=dhcp inst.ks.sendmac inst.ks.sendsn" RHEL-9-x86_64-dvd.iso kickstand-rhel9.iso',
    '',
  ].join('\n');
}
