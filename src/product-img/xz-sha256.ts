// rpm compresses xz payloads with a SHA-256 integrity check (LZMA_CHECK_SHA256). The wasm decoder
// we use (xz-embedded) only knows CRC32/CRC64, so streams with SHA-256 are rewritten to "no check"
// before decoding, and each block's SHA-256 is verified here afterwards. The rewrite only drops the
// 32-byte check after each block and fixes the sizes in the index and footer: the compressed data
// is untouched. Format: https://tukaani.org/xz/xz-file-format.txt
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

const MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const CHECK_SHA256 = 0x0a;

export interface XzBlock {
  uncompressedSize: number;
  /** The stored SHA-256, or null when the decoder checks the block itself. */
  sha256: Buffer | null;
}

export class XzFormatError extends Error {}

/** Returns the data with SHA-256 checks removed, and the checks to verify after decoding (in order). */
export function stripSha256(data: Buffer): { data: Buffer; blocks: XzBlock[] } {
  const streams: { data: Buffer; blocks: XzBlock[] }[] = [];
  let end = data.length;
  while (end > 0) {
    while (end >= 4 && data.readUInt32LE(end - 4) === 0) end -= 4; // stream padding
    if (end === 0) break;
    const s = oneStream(data, end);
    streams.unshift(s.rewritten);
    end = s.start;
  }
  return { data: Buffer.concat(streams.map((s) => s.data)), blocks: streams.flatMap((s) => s.blocks) };
}

/** Checks decoded output against the blocks' sizes and SHA-256 checks. */
export function verifySha256(out: Buffer, blocks: XzBlock[]): boolean {
  let at = 0;
  for (const b of blocks) {
    const part = out.subarray(at, at + b.uncompressedSize);
    if (b.sha256 && !createHash('sha256').update(part).digest().equals(b.sha256)) return false;
    at += b.uncompressedSize;
  }
  return at === out.length;
}

function oneStream(buf: Buffer, end: number): { start: number; rewritten: { data: Buffer; blocks: XzBlock[] } } {
  const bad = (what: string) => new XzFormatError(what);
  if (end < 24) throw bad('too short');
  const footer = end - 12;
  if (buf.toString('latin1', footer + 10, footer + 12) !== 'YZ') throw bad('no stream footer');
  const check = buf[footer + 9]!;
  const indexSize = (buf.readUInt32LE(footer + 4) + 1) * 4;
  const indexStart = footer - indexSize;
  if (indexStart < 12 || buf[indexStart] !== 0) throw bad('bad index');

  let at = indexStart + 1;
  const varint = (): number => {
    let v = 0;
    for (let i = 0; i < 9; i++) {
      const byte = buf[at++];
      if (byte === undefined || at > footer) throw bad('bad index');
      v += (byte & 0x7f) * 2 ** (7 * i);
      if (!(byte & 0x80)) return v;
    }
    throw bad('bad index');
  };
  const count = varint();
  const records: { unpadded: number; uncompressed: number }[] = [];
  for (let i = 0; i < count; i++) records.push({ unpadded: varint(), uncompressed: varint() });
  const blocksSize = records.reduce((n, r) => n + Math.ceil(r.unpadded / 4) * 4, 0);
  const start = indexStart - blocksSize - 12;
  if (start < 0 || !buf.subarray(start, start + 6).equals(MAGIC)) throw bad('stream header not where the index says');
  if (buf[start + 7] !== check) throw bad('header and footer disagree');

  if (check !== CHECK_SHA256) {
    const blocks = records.map((r) => ({ uncompressedSize: r.uncompressed, sha256: null }));
    return { start, rewritten: { data: buf.subarray(start, end), blocks } };
  }
  const parts: Buffer[] = [headerFlags(start, buf)];
  const blocks: XzBlock[] = [];
  const newRecords: { unpadded: number; uncompressed: number }[] = [];
  let pos = start + 12;
  for (const r of records) {
    const body = r.unpadded - 32;
    if (body < 0) throw bad('block smaller than its check');
    parts.push(buf.subarray(pos, pos + body), Buffer.alloc((4 - (body % 4)) % 4));
    const checkAt = pos + Math.ceil(body / 4) * 4;
    blocks.push({ uncompressedSize: r.uncompressed, sha256: Buffer.from(buf.subarray(checkAt, checkAt + 32)) });
    newRecords.push({ unpadded: body, uncompressed: r.uncompressed });
    pos += Math.ceil(r.unpadded / 4) * 4;
  }
  const index = encodeIndex(newRecords);
  parts.push(index, encodeFooter(index.length));
  return { start, rewritten: { data: Buffer.concat(parts), blocks } };
}

function headerFlags(start: number, buf: Buffer): Buffer {
  const h = Buffer.from(buf.subarray(start, start + 12));
  h[7] = 0; // check: none
  h.writeUInt32LE(crc32(h.subarray(6, 8)), 8);
  return h;
}

function encodeVarint(n: number): number[] {
  const out: number[] = [];
  do {
    const low = n % 128;
    n = Math.floor(n / 128);
    out.push(n > 0 ? low | 0x80 : low);
  } while (n > 0);
  return out;
}

function encodeIndex(records: { unpadded: number; uncompressed: number }[]): Buffer {
  const bytes = [0, ...encodeVarint(records.length)];
  for (const r of records) bytes.push(...encodeVarint(r.unpadded), ...encodeVarint(r.uncompressed));
  while (bytes.length % 4) bytes.push(0);
  const body = Buffer.from(bytes);
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(body));
  return Buffer.concat([body, crc]);
}

function encodeFooter(indexSize: number): Buffer {
  const f = Buffer.alloc(12);
  f.writeUInt32LE(indexSize / 4 - 1, 4);
  f[8] = 0;
  f[9] = 0; // check: none
  f.write('YZ', 10, 'latin1');
  f.writeUInt32LE(crc32(f.subarray(4, 10)), 0);
  return f;
}
