// Picks files out of rpm payloads by glob, and the kexec preset. A glob that matches nothing is an
// error: a recipe that silently packs less than it says would only fail later, on the installer.
// A `.buildstamp` is never packed (it would replace the installer's product identity, which Anaconda
// must read from the media): one that a wildcard happens to match is left out and reported, while a
// glob that names it outright is refused, like `--file SRC:.buildstamp`.
import { ProductImgError } from './errors.js';
import { globToRegExp } from './glob.js';
import { isBuildstamp } from './paths.js';
import type { RpmPackage, RpmEntry } from './rpm.js';

export interface Taken {
  entry: RpmEntry;
  /** The rpm file it came from. */
  from: string;
}

export interface TakeResult {
  taken: Taken[];
  /** Files a glob matched but that are never packed (a `.buildstamp`), for the report to warn about. */
  skipped: { path: string; from: string }[];
}

const KEXEC_PATHS = ['usr/sbin/kexec', 'usr/bin/kexec'];

export function takeFromRpms(pkgs: RpmPackage[], globs: string[], preset?: 'kexec'): TakeResult {
  const rpmList = pkgs.map((p) => p.file).join(', ') || '(no rpms)';
  const taken: Taken[] = [];
  const skipped = new Map<string, { path: string; from: string }>();
  /** How many files `match` took, and how many .buildstamp files it matched but left out. */
  const pick = (match: (path: string) => boolean): { took: number; left: number } => {
    let took = 0;
    let left = 0;
    for (const p of pkgs) {
      for (const entry of p.entries) {
        if (!match(entry.path)) continue;
        if (isBuildstamp(entry.path)) {
          skipped.set(`${p.file}\0${entry.path}`, { path: entry.path, from: p.file });
          left++;
        } else {
          taken.push({ entry, from: p.file });
          took++;
        }
      }
    }
    return { took, left };
  };
  if (preset === 'kexec' && pick((path) => KEXEC_PATHS.includes(path)).took === 0) {
    throw new ProductImgError('TAKE_UNMATCHED', rpmList, `preset kexec: neither ${KEXEC_PATHS.join(' nor ')} is in these packages`);
  }
  for (const glob of globs) {
    if (isBuildstamp(glob.replace(/^\/+/, '').replace(/\/+$/, ''))) {
      throw new ProductImgError('BAD_PATH', rpmList, `--take "${glob}" names a .buildstamp, which Anaconda must take from the media`);
    }
    const re = globToRegExp(glob);
    const { took, left } = pick((path) => re.test(path));
    if (took === 0) {
      const why = left > 0 ? 'matches only a .buildstamp, which is never packed' : 'matches no file in these packages';
      throw new ProductImgError('TAKE_UNMATCHED', rpmList, `--take "${glob}" ${why}`);
    }
  }
  return { taken, skipped: [...skipped.values()] };
}
