// Local files added to the overlay (`files` in a recipe, `--file` on the command line).
import { readFile, stat } from 'node:fs/promises';
import { ProductImgError } from './errors.js';
import { S_IFREG } from './modes.js';
import { safeImagePath } from './paths.js';
import type { RecipeFile } from './recipe.js';

export interface LocalEntry {
  path: string;
  mode: number;
  data: Buffer;
  from: string;
}

export async function readLocalFile(f: RecipeFile): Promise<LocalEntry> {
  const st = await stat(f.src).catch((err: unknown) => {
    throw new ProductImgError('BAD_INPUT', f.src, `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  });
  if (!st.isFile()) throw new ProductImgError('BAD_INPUT', f.src, 'is not a regular file');
  if (f.mode !== undefined && (!Number.isInteger(f.mode) || f.mode < 0 || f.mode > 0o7777)) {
    throw new ProductImgError('BAD_INPUT', f.src, `mode ${f.mode} is not a permission value (0 to 07777)`);
  }
  // A dest is where the file lands in the installer's root, so "/usr/bin/x" and "usr/bin/x" agree.
  const path = safeImagePath(f.dest.replace(/^\/+/, ''), f.src);
  const perms = f.mode ?? st.mode & 0o7777;
  return { path, mode: S_IFREG | perms, data: await readFile(f.src), from: f.src };
}
