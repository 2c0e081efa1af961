// Installer sources: where each release's install tree lives. Boot entries point machines at one, and
// tree mode (/tree/{name}/) redirects Anaconda to it while serving our product.img.
import type { FromSchema } from 'json-schema-to-ts';
import type { installerSchema } from '../schemas/installers.js';

/** An installer as the API and the KICKSTAND_INSTALLERS file give it (schemas/installers.ts). */
export type InstallerInput = FromSchema<typeof installerSchema>;

export interface Installer extends InstallerInput {
  /** Where it is defined: the KICKSTAND_INSTALLERS file (read-only here) or the API. */
  source: 'config' | 'api';
}

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
