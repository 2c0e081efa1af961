// Installer sources: where each release's install tree lives. Boot entries point machines at one, and
// tree mode (/tree/{name}/) redirects Anaconda to it while serving our product.img.
export interface Installer {
  name: string;
  description?: string;
  family: 'rhel' | 'fedora';
  version: string;
  repo: string;
  kernel?: string;
  initrd?: string;
  /** Where it is defined: the KICKSTAND_INSTALLERS file (read-only here) or the API. */
  source: 'config' | 'api';
}

export type InstallerInput = Omit<Installer, 'source'>;

export function kernelUrl(i: Pick<Installer, 'repo' | 'kernel'>): string {
  return i.kernel ?? `${trimSlash(i.repo)}/images/pxeboot/vmlinuz`;
}

export function initrdUrl(i: Pick<Installer, 'repo' | 'initrd'>): string {
  return i.initrd ?? `${trimSlash(i.repo)}/images/pxeboot/initrd.img`;
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Major release number: 8 for "8.10", 42 for "42". */
export function major(i: Pick<Installer, 'version'>): number {
  return Number.parseInt(i.version, 10);
}
