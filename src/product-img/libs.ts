// Which shared libraries the packed binaries need and will not find: a DT_NEEDED resolves if the
// overlay packs a file or symlink of that name, or the target runtime lists it (expect-libs).
import { posix } from 'node:path';
import { neededLibraries } from './elf.js';
import { isReg } from './modes.js';

export interface NeededBy {
  path: string;
  needed: string[];
}

export interface MissingLib {
  lib: string;
  neededBy: string[];
}

export function dynamicNeeds(entries: { path: string; mode: number; data: Buffer }[]): NeededBy[] {
  const out: NeededBy[] = [];
  for (const e of entries) {
    if (!isReg(e.mode)) continue;
    const needed = neededLibraries(e.data, e.path);
    if (needed !== null) out.push({ path: e.path, needed });
  }
  return out;
}

export function missingLibs(needs: NeededBy[], packedPaths: string[], expected: Set<string>): MissingLib[] {
  const packed = new Set(packedPaths.map((p) => posix.basename(p)));
  const missing = new Map<string, string[]>();
  for (const n of needs) {
    for (const lib of n.needed) {
      if (packed.has(lib) || expected.has(lib)) continue;
      missing.set(lib, [...(missing.get(lib) ?? []), n.path]);
    }
  }
  return [...missing].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([lib, neededBy]) => ({ lib, neededBy }));
}
