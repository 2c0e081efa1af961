// Builds a product.img: files taken from rpms and local files, written as one sorted cpio newc
// archive, compressed reproducibly and moved into place only once everything checked out.
import { createHash } from 'node:crypto';
import { compressImage } from './compress.js';
import { writeNewc, readNewc, type CpioInput } from './cpio.js';
import { ProductImgError } from './errors.js';
import { loadExpectLibs } from './expect-libs.js';
import { dynamicNeeds, missingLibs, type MissingLib, type NeededBy } from './libs.js';
import { readLocalFile } from './local-files.js';
import { isDir } from './modes.js';
import { safeImagePath } from './paths.js';
import type { Recipe } from './recipe.js';
import { readRpm } from './rpm.js';
import { takeFromRpms } from './take.js';
import { writeAtomic } from './write-atomic.js';

export interface BuildOptions {
  outPath: string;
  /** mtime of every entry (SOURCE_DATE_EPOCH); default 0. */
  sourceDateEpoch?: number;
}

export interface BuiltEntry {
  path: string;
  mode: number;
  size: number;
  linkTarget?: string;
  /** The rpm or local file it came from; absent for directories made up as parents. */
  from?: string;
}

export interface BuildReport {
  outPath: string;
  compress: Recipe['compress'];
  size: number;
  sha256: string;
  entries: BuiltEntry[];
  /** DT_NEEDED of every ELF file packed. */
  needed: NeededBy[];
  /** Needed libraries neither packed nor listed in expectLibs (without expectLibs: not packed). */
  missing: MissingLib[];
  /** Files a --take glob matched but that were left out: a `.buildstamp` is never packed. */
  skipped: { path: string; from: string }[];
}

export async function buildProductImg(recipe: Recipe, opts: BuildOptions): Promise<BuildReport> {
  const mtime = opts.sourceDateEpoch ?? 0;
  if (!Number.isInteger(mtime) || mtime < 0 || mtime > 0xffffffff) {
    throw new ProductImgError('BAD_INPUT', 'SOURCE_DATE_EPOCH', `${mtime} is not a usable timestamp`);
  }
  const pkgs = [];
  for (const rpm of recipe.rpms) pkgs.push(await readRpm(rpm));
  const { taken, skipped } = takeFromRpms(pkgs, recipe.take, recipe.preset);
  const local = [];
  for (const f of recipe.files) local.push(await readLocalFile(f));

  const chosen = new Map<string, { input: CpioInput; from: string }>();
  const add = (input: CpioInput, from: string) => {
    const path = safeImagePath(input.path, from);
    const have = chosen.get(path);
    if (have) {
      const same = have.input.mode === input.mode && have.input.data.equals(input.data);
      if (same || (isDir(have.input.mode) && isDir(input.mode))) return;
      throw new ProductImgError('BAD_INPUT', from, `"${path}" differs from the one in ${have.from}`);
    }
    chosen.set(path, { input: { ...input, path }, from });
  };
  for (const t of taken) add({ path: t.entry.path, mode: t.entry.mode, data: t.entry.data }, t.from);
  for (const l of local) add(l, l.from);

  const inputs = [...chosen.values()].map((c) => c.input);
  const needed = dynamicNeeds(inputs);
  const expected = recipe.expectLibs ? await loadExpectLibs(recipe.expectLibs) : new Set<string>();
  const missing = missingLibs(needed, [...chosen.keys()], expected);
  if (recipe.expectLibs && missing.length > 0) {
    const list = missing.map((m) => `${m.lib} (needed by ${m.neededBy.join(', ')})`).join(', ');
    throw new ProductImgError('MISSING_LIBS', recipe.expectLibs, `not in the runtime nor in the image: ${list}`);
  }

  const cpio = writeNewc(inputs, { mtime, file: opts.outPath });
  const image = await compressImage(cpio, recipe.compress, opts.outPath);
  await writeAtomic(opts.outPath, image);
  return {
    outPath: opts.outPath,
    compress: recipe.compress,
    size: image.length,
    sha256: createHash('sha256').update(image).digest('hex'),
    entries: readNewc(cpio, opts.outPath).map((e) => ({
      path: e.path,
      mode: e.mode,
      size: e.size,
      ...(e.linkTarget !== undefined ? { linkTarget: e.linkTarget } : {}),
      ...(chosen.has(e.path) ? { from: chosen.get(e.path)!.from } : {}),
    })),
    needed,
    missing,
    skipped,
  };
}
