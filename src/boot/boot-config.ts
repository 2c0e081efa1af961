// One boot entry, ready to paste: the use case behind `kickstand boot-config`, GET /boot/{format} and
// the web Boot page. Every reference is checked: the installer and the profile exist, a typed tree
// is a plain URL.
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { getInstaller } from '../installers/manage.js';
import { cmdline } from './cmdline.js';
import { dvdRecipe } from './dvd.js';
import { grub } from './grub.js';
import { ipxe } from './ipxe.js';
import { checkBootUrl, type BootSource } from './options.js';
import { pxelinux } from './pxelinux.js';
import { bootSource } from './source.js';

export const BOOT_FORMATS = ['pxelinux', 'grub', 'ipxe', 'cmdline', 'dvd'] as const;
export type BootFormat = (typeof BOOT_FORMATS)[number];

const GENERATORS: Record<BootFormat, (src: BootSource) => string> = { pxelinux, grub, ipxe, cmdline: (s) => `${cmdline(s)}\n`, dvd: dvdRecipe };

export interface BootRequest {
  format: string;
  installer?: string;
  profile?: string;
  repo?: string;
}

export function isBootFormat(format: string): format is BootFormat {
  return (BOOT_FORMATS as readonly string[]).includes(format);
}

/** The source a request names, every reference checked (AppError naming the field). */
export async function checkedSource(deps: Deps, url: string, req: Omit<BootRequest, 'format'>): Promise<BootSource> {
  if (req.installer && req.repo) throw new AppError('VALIDATION', 'give an installer or a repo URL, not both', 'repo');
  const installer = req.installer ? await getInstaller(deps, req.installer) : undefined;
  if (req.installer && !installer) throw new AppError('INSTALLER_NOT_FOUND', `no installer named "${req.installer}"`, 'installer');
  if (req.profile && !(await deps.store.getProfile(req.profile))) throw new AppError('PROFILE_NOT_FOUND', `no profile named "${req.profile}"`, 'profile');
  let repo: string | undefined;
  if (req.repo) {
    const checked = checkBootUrl(req.repo, 'repo');
    if (typeof checked !== 'string') throw new AppError('VALIDATION', `repo ${checked.problem}`, 'repo');
    repo = checked;
  }
  return bootSource(deps, url, { ...(installer ? { installer } : {}), ...(repo ? { repo } : {}), ...(req.profile ? { profile: req.profile } : {}) });
}

export async function bootConfig(deps: Deps, url: string, req: BootRequest): Promise<string> {
  if (!isBootFormat(req.format)) throw new AppError('VALIDATION', `format must be one of ${BOOT_FORMATS.join(', ')}`, 'format');
  return GENERATORS[req.format](await checkedSource(deps, url, req));
}

/** Every format at once, for the web page. */
export function allFormats(src: BootSource): Record<BootFormat, string> {
  return Object.fromEntries(BOOT_FORMATS.map((f) => [f, GENERATORS[f](src)])) as Record<BootFormat, string>;
}
