// What every boot entry needs to bring a machine into discovery (anaconda.md §3): the stub URL,
// dracut's MAC/serial headers, DHCP, and an installer source. Every option is inst.-prefixed: the only
// spelling RHEL 9+ and Fedora accept, and one RHEL 8 takes too (it also knows ks= and kssendmac,
// which Kickstand never writes).
export interface BootSource {
  /** Kickstand's base URL, e.g. http://192.0.2.10:8080 */
  url: string;
  /** Installation tree (inst.repo=); a placeholder when not yet configured. */
  repo?: string;
  /** Kernel and initrd of that tree (images/pxeboot/vmlinuz, initrd.img by default). */
  kernel?: string;
  initrd?: string;
  /** Tree mode: Kickstand's /tree/{installer}/, which serves our product.img and redirects the rest. */
  stage2?: string;
  /** The overlay for installers booted without tree mode (inst.updates=). */
  updates?: string;
  /** The release, when known: it decides GRUB's commands and whether mkksiso has -u. */
  release?: { family: 'rhel' | 'fedora'; major: number };
  /** kickstand.profile=NAME: with auto-provisioning on, the host gets this profile on discovery. */
  profile?: string;
  /** Per-MAC entries only (per-host.ts): the host's boot key, written as kickstand.key=, which its
   *  %pre sends with the registration (docs/boot.md#boot-keys). */
  bootKey?: string;
  /** Per-MAC entries only: the boot MAC, for loaders that cannot name it themselves (GRUB). */
  bootMac?: string;
}

export const PLACEHOLDER_REPO = 'http://MIRROR/rhel9/BaseOS/x86_64/os';

export function resolved(src: BootSource): Required<Pick<BootSource, 'url' | 'repo' | 'kernel' | 'initrd'>> {
  const repo = (src.repo ?? PLACEHOLDER_REPO).replace(/\/+$/, '');
  return {
    url: src.url,
    repo,
    kernel: src.kernel ?? `${repo}/images/pxeboot/vmlinuz`,
    initrd: src.initrd ?? `${repo}/images/pxeboot/initrd.img`,
  };
}

/** The kernel arguments shared by every format. */
export function discoveryArgs(src: BootSource): string[] {
  const r = resolved(src);
  // With tree mode, stage2 (and so images/product.img) comes through Kickstand while packages still
  // come straight from the mirror; without it, the overlay is named with inst.updates=.
  const overlay = src.stage2 ? [`inst.stage2=${src.stage2}`] : src.updates ? [`inst.updates=${src.updates}`] : [];
  const profile = src.profile ? [`kickstand.profile=${src.profile}`] : [];
  const key = src.bootKey ? [`kickstand.key=${src.bootKey}`] : [];
  // The %pre reads the BMC through /dev/ipmi0 (docs/bmc.md#loading-the-ipmi-drivers-in-the-installer) and may not load modules itself (no
  // modprobe in the install image's tools): dracut loads them first. Without a BMC they find nothing.
  return [
    'ip=dhcp',
    `inst.repo=${r.repo}`,
    ...overlay,
    `inst.ks=${r.url}/ks`,
    'inst.ks.sendmac',
    'inst.ks.sendsn',
    'rd.driver.pre=ipmi_si,ipmi_devintf',
    ...profile,
    ...key,
  ];
}

/** Boot sources reach boot loaders' config files: no spaces, quotes or shell/loader metacharacters. */
export function checkBootUrl(value: string, field: string): string | { field: string; problem: string } {
  if (!/^https?:\/\/[A-Za-z0-9._~:/?#[\]@!&'()*+,;=%-]+$/.test(value) || /['"\\$`;{}]/.test(value)) {
    return { field, problem: 'must be an http(s) URL without spaces, quotes, $, ; or braces' };
  }
  return value;
}
