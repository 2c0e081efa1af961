// Without PXE: the official DVD/ISO is its own installation source (no inst.repo). Either type the
// options at the boot menu, or bake the stub into the ISO with lorax's mkksiso — whose -u (an updates
// image, our product.img) exists on RHEL 9+ and Fedora only (anaconda.md §3).
import type { BootSource } from './options.js';

export function dvdArgs(src: BootSource): string {
  const overlay = src.updates || src.stage2 ? [`inst.updates=${src.url}/updates.img`] : [];
  const profile = src.profile ? [`kickstand.profile=${src.profile}`] : [];
  return ['ip=dhcp', ...overlay, `inst.ks=${src.url}/ks`, 'inst.ks.sendmac', 'inst.ks.sendsn', ...profile].join(' ');
}

export function dvdRecipe(src: BootSource): string {
  const rel = src.release;
  const name = rel ? `${rel.family === 'fedora' ? 'Fedora' : 'RHEL'}-${rel.major}` : 'RHEL-9';
  const canUpdates = !rel || rel.family === 'fedora' || rel.major >= 9;
  const overlay = src.updates || src.stage2;
  const cmdline = ['ip=dhcp', 'inst.ks.sendmac', 'inst.ks.sendsn', ...(src.profile ? [`kickstand.profile=${src.profile}`] : [])].join(' ');
  const lines = [
    '# At the installer boot menu: select "Install", press e (UEFI) or Tab (BIOS), append:',
    dvdArgs(src),
    '',
    '# Or bake the stub into the ISO (lorax mkksiso):',
    `curl -fsS -o kickstand-stub.ks '${src.url}/ks?download=1'`,
  ];
  if (overlay && canUpdates) {
    lines.push(`curl -fsS -o product.img ${src.url}/images/product.img`);
    lines.push(`mkksiso --ks kickstand-stub.ks -u product.img -c "${cmdline}" ${name}-x86_64-dvd.iso kickstand-${name.toLowerCase()}.iso`);
  } else {
    lines.push(
      `mkksiso --ks kickstand-stub.ks -c "${cmdline}${overlay ? ` inst.updates=${src.url}/updates.img` : ''}" ${name}-x86_64-dvd.iso kickstand-${name.toLowerCase()}.iso`,
    );
    if (overlay) lines.push(`# (RHEL 8's mkksiso has no -u: the overlay comes over the network with inst.updates=)`);
  }
  lines.push('');
  return lines.join('\n');
}
