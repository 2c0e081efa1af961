// Picks files out of rpm payloads by glob, and the kexec preset. A glob that matches nothing is an
// error: a recipe that silently packs less than it says would only fail later, on the installer.
import { ProductImgError } from './errors.js';
import { globToRegExp } from './glob.js';
import type { RpmPackage, RpmEntry } from './rpm.js';

export interface Taken {
  entry: RpmEntry;
  /** The rpm file it came from. */
  from: string;
}

const KEXEC_PATHS = ['usr/sbin/kexec', 'usr/bin/kexec'];

export function takeFromRpms(pkgs: RpmPackage[], globs: string[], preset?: 'kexec'): Taken[] {
  const rpmList = pkgs.map((p) => p.file).join(', ') || '(no rpms)';
  const out: Taken[] = [];
  const pick = (match: (path: string) => boolean): number => {
    let n = 0;
    for (const p of pkgs) {
      for (const entry of p.entries) {
        if (match(entry.path)) {
          out.push({ entry, from: p.file });
          n++;
        }
      }
    }
    return n;
  };
  if (preset === 'kexec' && pick((path) => KEXEC_PATHS.includes(path)) === 0) {
    throw new ProductImgError('TAKE_UNMATCHED', rpmList, `preset kexec: neither ${KEXEC_PATHS.join(' nor ')} is in these packages`);
  }
  for (const glob of globs) {
    const re = globToRegExp(glob);
    if (pick((path) => re.test(path)) === 0) {
      throw new ProductImgError('TAKE_UNMATCHED', rpmList, `--take "${glob}" matches no file in these packages`);
    }
  }
  return out;
}
