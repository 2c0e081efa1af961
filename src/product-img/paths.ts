// Paths inside the overlay. Anaconda unpacks product.img over its own root, so a path that climbs
// out (`..`) or is absolute would land wherever the unpacker happens to be; and a `.buildstamp` from
// an overlay would replace the installer's product identity, which must come from the media.
import { posix } from 'node:path';
import { ProductImgError } from './errors.js';

/** Normalises an archive path and refuses the ones that must never reach the overlay. */
export function safeImagePath(raw: string, file: string): string {
  const norm = posix.normalize(raw.replace(/^(\.\/)+/, ''));
  if (raw === '' || norm === '.' || norm === '') throw new ProductImgError('BAD_PATH', file, `empty path "${raw}"`);
  if (posix.isAbsolute(norm)) throw new ProductImgError('BAD_PATH', file, `absolute path "${raw}"`);
  if (norm === '..' || norm.startsWith('../')) {
    throw new ProductImgError('BAD_PATH', file, `path "${raw}" escapes the image root`);
  }
  const clean = norm.replace(/\/+$/, '');
  if (isBuildstamp(clean)) {
    throw new ProductImgError('BAD_PATH', file, `path "${raw}" is a .buildstamp, which Anaconda must take from the media`);
  }
  return clean;
}

/** True for `.buildstamp` and anything inside a folder of that name. */
export function isBuildstamp(path: string): boolean {
  return path.split('/').includes('.buildstamp');
}

/** Strips the `./` or `/` rpm puts in front of payload and header paths. */
export function stripRoot(p: string): string {
  return p.replace(/^\.?\/+/, '');
}
