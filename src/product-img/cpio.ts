// cpio "newc" (SVR4, 070701), the format the kernel, dracut and Anaconda unpack. The writer is
// deterministic: sorted paths, parents first, owner root, one mtime, inodes numbered in order; so
// the same inputs give the same bytes. The reader also understands rpm's stripped entries (07070X,
// only a file index: the rest of the metadata lives in the package header).
import { posix } from 'node:path';
import { ProductImgError } from './errors.js';
import { isDir, isLink, isReg, S_IFDIR } from './modes.js';
import { safeImagePath } from './paths.js';

export interface CpioInput {
  path: string;
  /** Full st_mode, type bits included (regular file, directory or symlink). */
  mode: number;
  /** File contents; for a symlink, its target. */
  data: Buffer;
}

export interface CpioEntry {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkTarget?: string;
  data: Buffer;
}

const NEWC = '070701';
const CRC = '070702';
const STRIPPED = '07070X';
const TRAILER = 'TRAILER!!!';
const HEADER_LEN = 110;

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

/** Writes a newc archive of `entries` (plus their missing parent directories). */
export function writeNewc(entries: CpioInput[], opts: { mtime?: number; file?: string } = {}): Buffer {
  const file = opts.file ?? 'product.img';
  const mtime = opts.mtime ?? 0;
  const byPath = new Map<string, CpioInput>();
  for (const e of entries) {
    const path = safeImagePath(e.path, file);
    if (!isReg(e.mode) && !isDir(e.mode) && !isLink(e.mode)) {
      throw new ProductImgError('BAD_INPUT', file, `"${path}" is neither a file, a directory nor a symlink`);
    }
    if (byPath.has(path)) throw new ProductImgError('BAD_INPUT', file, `"${path}" is given twice`);
    byPath.set(path, { ...e, path });
  }
  for (const path of [...byPath.keys()]) {
    for (let dir = posix.dirname(path); dir !== '.'; dir = posix.dirname(dir)) {
      const have = byPath.get(dir);
      if (have && !isDir(have.mode)) throw new ProductImgError('BAD_INPUT', file, `"${dir}" is not a directory but "${path}" is inside it`);
      if (!have) byPath.set(dir, { path: dir, mode: S_IFDIR | 0o755, data: Buffer.alloc(0) });
    }
  }

  const parts: Buffer[] = [];
  let offset = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    offset += b.length;
  };
  const record = (name: string, fields: number[], data: Buffer) => {
    const nameBuf = Buffer.from(`${name}\0`, 'utf8');
    const hex = [...fields.slice(0, 11), nameBuf.length, 0].map((n) => n.toString(16).padStart(8, '0')).join('');
    push(Buffer.from(NEWC + hex, 'ascii'));
    push(nameBuf);
    push(Buffer.alloc(pad4(offset)));
    push(data);
    push(Buffer.alloc(pad4(offset)));
  };

  const sorted = [...byPath.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  sorted.forEach((e, i) => {
    const data = isDir(e.mode) ? Buffer.alloc(0) : e.data;
    // ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor
    record(e.path, [i + 1, e.mode, 0, 0, isDir(e.mode) ? 2 : 1, mtime, data.length, 0, 0, 0, 0], data);
  });
  record(TRAILER, [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], Buffer.alloc(0));
  return Buffer.concat(parts);
}

export type CpioRecord =
  | {
      kind: 'newc';
      name: string;
      ino: number;
      mode: number;
      uid: number;
      gid: number;
      nlink: number;
      mtime: number;
      devMajor: number;
      devMinor: number;
      data: Buffer;
    }
  | { kind: 'stripped'; fx: number; data: Buffer };

/** Splits an archive into its records, up to the trailer. `strippedSize` gives the data length of a
 *  stripped (07070X) entry from its file index; without it such entries are an error. */
export function readCpioRecords(buf: Buffer, file: string, strippedSize?: (fx: number) => number): CpioRecord[] {
  let at = 0;
  const truncated = () => new ProductImgError('TRUNCATED', file, `truncated cpio archive at byte ${at}`);
  const corrupt = (what: string) => new ProductImgError('CORRUPT_PAYLOAD', file, `corrupt cpio archive at byte ${at}: ${what}`);
  const hexField = (pos: number): number => {
    const s = buf.toString('ascii', pos, pos + 8);
    if (!/^[0-9a-fA-F]{8}$/.test(s)) throw corrupt(`bad header field "${s}"`);
    return parseInt(s, 16);
  };
  const take = (from: number, len: number): Buffer => {
    if (from + len > buf.length) throw truncated();
    return buf.subarray(from, from + len);
  };

  const out: CpioRecord[] = [];
  for (;;) {
    const magic = take(at, 6).toString('ascii');
    if (magic === STRIPPED) {
      if (!strippedSize) throw corrupt('stripped rpm entry outside an rpm payload');
      take(at, 14);
      const fx = hexField(at + 6);
      const start = at + 14 + pad4(at + 14);
      const data = take(start, strippedSize(fx));
      out.push({ kind: 'stripped', fx, data });
      at = start + data.length + pad4(start + data.length);
      continue;
    }
    if (magic !== NEWC && magic !== CRC) throw corrupt(`bad magic "${magic.replace(/[^ -~]/g, '?')}"`);
    take(at, HEADER_LEN);
    const f = (i: number) => hexField(at + 6 + 8 * i);
    const nameSize = f(11);
    if (nameSize < 1 || nameSize > 4096) throw corrupt(`impossible name size ${nameSize}`);
    const name = take(at + HEADER_LEN, nameSize - 1).toString('utf8');
    const start = at + HEADER_LEN + nameSize + pad4(at + HEADER_LEN + nameSize);
    const data = take(start, f(6));
    if (name === TRAILER) return out;
    out.push({ kind: 'newc', name, ino: f(0), mode: f(1), uid: f(2), gid: f(3), nlink: f(4), mtime: f(5), devMajor: f(7), devMinor: f(8), data });
    at = start + data.length + pad4(start + data.length);
  }
}

/** Reads a plain newc archive (any product.img, once decompressed). Hard links share the data of
 *  the one link that carries it, as GNU cpio writes them (data on the last link). */
export function readNewc(buf: Buffer, file: string): CpioEntry[] {
  const records = readCpioRecords(buf, file).filter((r) => r.kind === 'newc');
  const linkData = new Map<string, Buffer>();
  const linkKey = (r: (typeof records)[number]) => `${r.devMajor}:${r.devMinor}:${r.ino}`;
  for (const r of records) {
    if (isReg(r.mode) && r.nlink > 1 && r.data.length > 0) linkData.set(linkKey(r), r.data);
  }
  return records.map((r) => {
    const data = isReg(r.mode) && r.nlink > 1 && r.data.length === 0 ? (linkData.get(linkKey(r)) ?? r.data) : r.data;
    const path = r.name.replace(/^(\.\/)+/, '').replace(/^\/+/, '') || '.';
    return {
      path,
      mode: r.mode,
      uid: r.uid,
      gid: r.gid,
      size: data.length,
      ...(isLink(r.mode) ? { linkTarget: data.toString('utf8') } : {}),
      data,
    };
  });
}
