// One boot entry, ready to paste: the use case behind `kickstand boot-config`, GET /boot/{format} and
// the web Boot page. Every reference is checked: the installer exists, a typed tree is a plain URL,
// and the profile is a well-formed name — and, for an admin, an existing bootable profile.
import type { Deps } from '../deps.js';
import { AppError, errors } from '../errors.js';
import { getInstaller } from '../installers/manage.js';
import { cmdline } from './cmdline.js';
import { dvdRecipe } from './dvd.js';
import { grub } from './grub.js';
import { ipxe } from './ipxe.js';
import { checkBootUrl, type BootSource } from './options.js';
import { pxelinux } from './pxelinux.js';
import { bootSource } from './source.js';
import { isBootable } from '../profiles/profile.js';
import { NAME } from '../schemas/assignment.js';

export const BOOT_FORMATS = ['pxelinux', 'grub', 'ipxe', 'cmdline', 'dvd'] as const;
export type BootFormat = (typeof BOOT_FORMATS)[number];

const GENERATORS: Record<BootFormat, (src: BootSource) => string> = {
  pxelinux,
  grub,
  ipxe,
  cmdline: (s) => `${cmdline(s)}\n`,
  dvd: dvdRecipe,
};

export interface BootRequest {
  format: string;
  installer?: string | undefined;
  profile?: string | undefined;
  repo?: string | undefined;
}

export function isBootFormat(format: string): format is BootFormat {
  return (BOOT_FORMATS as readonly string[]).includes(format);
}

/** Who asks for the entry. `admin` (the web Boot page, the CLI on the Kickstand machine) is told when
 *  the profile does not exist or is not bootable. `anonymous` (GET /boot/*, open to boot loaders)
 *  gets the line with the name as given, after a syntax check only, and the store is not even asked:
 *  an unknown, a not-bootable and a bootable profile give the same answer in the same time, so the
 *  open routes cannot be used to learn which profile names exist. That costs nothing: the line is
 *  inert unless the profile is bootable (discovery/discover.ts). */
export type BootCaller = 'admin' | 'anonymous';

const PROFILE_NAME = new RegExp(NAME);

async function checkProfile(deps: Pick<Deps, 'store'>, name: string, caller: BootCaller): Promise<void> {
  // The name lands in loader configs and kernel command lines: the syntax is checked for everyone.
  if (!PROFILE_NAME.test(name))
    throw new AppError('VALIDATION', 'profile must be a profile name: letters, digits, _ . - (at most 64)', 'profile');
  if (caller === 'anonymous') return;
  const profile = await deps.store.profiles.get(name);
  if (!profile) throw errors.profileNotFound(name, 'profile');
  if (!isBootable(profile))
    throw new AppError(
      'PROFILE_NOT_BOOTABLE',
      `profile "${name}" is not bootable: a boot entry naming it would be ignored (mark it bootable on its page or with "bootable": true)`,
      'profile',
    );
}

/** The source a request names, every reference checked (AppError naming the field). */
export async function checkedSource(
  deps: Pick<Deps, 'config' | 'store' | 'configInstallers'>,
  url: string,
  req: Omit<BootRequest, 'format'>,
  caller: BootCaller,
): Promise<BootSource> {
  if (req.installer && req.repo) throw new AppError('VALIDATION', 'give an installer or a repo URL, not both', 'repo');
  const installer = req.installer ? await getInstaller(deps, req.installer) : undefined;
  if (req.installer && !installer) throw errors.installerNotFound(req.installer, 'installer');
  if (req.profile) await checkProfile(deps, req.profile, caller);
  let repo: string | undefined;
  if (req.repo) {
    const checked = checkBootUrl(req.repo, 'repo');
    if (typeof checked !== 'string') throw new AppError('VALIDATION', `repo ${checked.problem}`, 'repo');
    repo = checked;
  }
  return bootSource(deps, url, {
    ...(installer ? { installer } : {}),
    ...(repo ? { repo } : {}),
    ...(req.profile ? { profile: req.profile } : {}),
  });
}

export async function bootConfig(
  deps: Pick<Deps, 'config' | 'store' | 'configInstallers'>,
  url: string,
  req: BootRequest,
  caller: BootCaller,
): Promise<string> {
  if (!isBootFormat(req.format)) throw new AppError('VALIDATION', `format must be one of ${BOOT_FORMATS.join(', ')}`, 'format');
  return GENERATORS[req.format](await checkedSource(deps, url, req, caller));
}

/** Every format at once, for the web page. */
export function allFormats(src: BootSource): Record<BootFormat, string> {
  return Object.fromEntries(BOOT_FORMATS.map((f) => [f, GENERATORS[f](src)])) as Record<BootFormat, string>;
}
