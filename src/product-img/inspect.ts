// Lists what a product.img holds, whatever made it: gzip, xz, zstd or plain cpio newc.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readNewc } from './cpio.js';
import { decompress, sniffCompressor, type Compressor } from './decompress.js';
import { ProductImgError } from './errors.js';
import { isDir } from './modes.js';
import { errnoOf } from '../errors.js';

export interface InspectedEntry {
  path: string;
  /** st_mode in octal, type bits included ("100755"). */
  mode: string;
  uid: number;
  gid: number;
  size: number;
  /** sha256 of the contents; absent for directories. */
  sha256?: string;
  linkTarget?: string;
}

export interface Inspection {
  file: string;
  compression: Compressor;
  entries: InspectedEntry[];
}

export async function inspectProductImg(path: string): Promise<Inspection> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new ProductImgError('BAD_INPUT', path, `cannot read (${errnoOf(err) ?? String(err)})`);
  }
  return inspectImage(buf, path);
}

export async function inspectImage(buf: Buffer, file: string): Promise<Inspection> {
  const compression = sniffCompressor(buf);
  const cpio = await decompress(buf, compression, file);
  if (!/^07070[12]/.test(cpio.toString('ascii', 0, 6))) {
    throw new ProductImgError('NOT_IMAGE', file, 'not a product.img (no cpio newc archive inside)');
  }
  const entries = readNewc(cpio, file).map((e) => ({
    path: e.path,
    mode: e.mode.toString(8).padStart(6, '0'),
    uid: e.uid,
    gid: e.gid,
    size: e.size,
    ...(isDir(e.mode) ? {} : { sha256: createHash('sha256').update(e.data).digest('hex') }),
    ...(e.linkTarget !== undefined ? { linkTarget: e.linkTarget } : {}),
  }));
  return { file, compression, entries };
}

/** One line per entry: mode, size, sha256 (or "-"), path, and "-> target" for symlinks. */
export function formatInspection(i: Inspection): string {
  const lines = [`# ${i.file} (${i.compression}, ${i.entries.length} entries)`];
  for (const e of i.entries) {
    const hash = e.sha256 ?? '-'.padEnd(64);
    const link = e.linkTarget !== undefined ? ` -> ${e.linkTarget}` : '';
    lines.push(`${e.mode} ${String(e.size).padStart(10)} ${hash} ${e.path}${link}`);
  }
  return `${lines.join('\n')}\n`;
}
