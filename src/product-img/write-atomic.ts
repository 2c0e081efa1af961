// Writes the image next to its final name and renames it into place, so a reader (the HTTP server
// handing out inst.updates, say) never sees half an image and a failed build leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ProductImgError } from './errors.js';
import { errnoOf } from '../errors.js';

export async function writeAtomic(outPath: string, data: Buffer): Promise<void> {
  const dir = dirname(resolve(outPath));
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new ProductImgError('NO_OUTPUT_DIR', outPath, `output folder ${dir} does not exist`);
  const tmp = join(dir, `.${basename(outPath)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data, { mode: 0o644 });
    await rename(tmp, outPath);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw new ProductImgError('WRITE_FAILED', outPath, `cannot write (${errnoOf(err) ?? String(err)})`);
  }
}
