// Turns the decompressed payload of an rpm into entries, taking metadata from the header (which is
// what rpm itself installs from) and data from the archive. Both payload flavours are read: classic
// newc entries named "./path", and the stripped entries (07070X) rpm >= 4.12 writes for packages with
// large files and rpm 6 writes for v6 packages, which carry only an index into the header's file list.
import { readCpioRecords } from './cpio.js';
import { ProductImgError } from './errors.js';
import { isLink, isReg } from './modes.js';
import { stripRoot } from './paths.js';
import type { RpmFile } from './rpm-files.js';

export interface RpmEntry {
  path: string;
  mode: number;
  user: string;
  group: string;
  size: number;
  linkTarget?: string;
  data: Buffer;
}

export function payloadEntries(cpio: Buffer, files: RpmFile[], file: string): RpmEntry[] {
  const corrupt = (what: string) => new ProductImgError('CORRUPT_PAYLOAD', file, `corrupt payload: ${what}`);
  const byPath = new Map(files.map((f, i) => [f.path, i]));
  // In a stripped archive the sizes come from the header; hard links other than the last are empty.
  const strippedSize = (fx: number): number => {
    const f = files[fx];
    if (!f) throw corrupt(`entry for file index ${fx}, but the header lists ${files.length} files`);
    if (isLink(f.mode)) return f.size;
    return isReg(f.mode) && f.dataFrom === fx ? f.size : 0;
  };

  const data = new Map<number, Buffer>();
  for (const r of readCpioRecords(cpio, file, strippedSize)) {
    const fx = r.kind === 'stripped' ? r.fx : byPath.get(stripRoot(r.name));
    if (fx === undefined) throw corrupt(`"${r.kind === 'newc' ? r.name : ''}" is not in the header's file list`);
    data.set(fx, r.data);
  }

  const out: RpmEntry[] = [];
  files.forEach((f, fx) => {
    if (f.ghost) return;
    if (!data.has(fx)) throw corrupt(`"${f.path}" is missing from the payload`);
    const bytes = isReg(f.mode) ? (data.get(f.dataFrom) ?? Buffer.alloc(0)) : isLink(f.mode) ? Buffer.from(f.linkTarget) : Buffer.alloc(0);
    if (isReg(f.mode) && bytes.length !== f.size) {
      throw corrupt(`"${f.path}" has ${bytes.length} bytes, the header says ${f.size}`);
    }
    out.push({
      path: f.path,
      mode: f.mode,
      user: f.user,
      group: f.group,
      size: bytes.length,
      ...(isLink(f.mode) ? { linkTarget: f.linkTarget } : {}),
      data: bytes,
    });
  });
  return out;
}
