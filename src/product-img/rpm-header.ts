// One rpm header structure (the signature header and the main header share it): 8 bytes of magic
// and reserved, the entry count and data size, the index entries, then the data store. Every entry
// is checked against the data store when the header is read, so a getter never reads out of bounds
// and a damaged header fails at once, naming the tag.
import { ProductImgError } from './errors.js';
import { TYPE } from './rpm-tags.js';

const MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01]);
// rpm's own sanity limits (hdrchkTags/hdrchkData in lib/header.cc).
const MAX_ENTRIES = 0xffff;
const MAX_DATA = 0x0fffffff;

const FIXED_SIZE: Record<number, number> = {
  [TYPE.NULL]: 0,
  [TYPE.CHAR]: 1,
  [TYPE.INT8]: 1,
  [TYPE.INT16]: 2,
  [TYPE.INT32]: 4,
  [TYPE.INT64]: 8,
  [TYPE.BIN]: 1,
};

interface Entry {
  type: number;
  offset: number;
  count: number;
}

export class RpmHeader {
  constructor(
    private readonly file: string,
    private readonly entries: Map<number, Entry>,
    private readonly data: Buffer,
  ) {}

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  string(tag: number): string | undefined {
    return this.strings(tag)?.[0];
  }

  strings(tag: number): string[] | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    if (e.type !== TYPE.STRING && e.type !== TYPE.STRING_ARRAY && e.type !== TYPE.I18NSTRING) {
      throw this.corrupt(`tag ${tag} is not a string`);
    }
    const out: string[] = [];
    let at = e.offset;
    for (let i = 0; i < e.count; i++) {
      const end = this.data.indexOf(0, at);
      out.push(this.data.toString('utf8', at, end));
      at = end + 1;
    }
    return out;
  }

  numbers(tag: number): number[] | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    const out: number[] = [];
    for (let i = 0; i < e.count; i++) {
      switch (e.type) {
        case TYPE.CHAR:
        case TYPE.INT8:
          out.push(this.data.readUInt8(e.offset + i));
          break;
        case TYPE.INT16:
          out.push(this.data.readUInt16BE(e.offset + 2 * i));
          break;
        case TYPE.INT32:
          out.push(this.data.readUInt32BE(e.offset + 4 * i));
          break;
        case TYPE.INT64: {
          const v = this.data.readBigUInt64BE(e.offset + 8 * i);
          if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.corrupt(`tag ${tag} holds an impossible value`);
          out.push(Number(v));
          break;
        }
        default:
          throw this.corrupt(`tag ${tag} is not a number`);
      }
    }
    return out;
  }

  private corrupt(what: string): ProductImgError {
    return new ProductImgError('CORRUPT_HEADER', this.file, `corrupt rpm header: ${what}`);
  }
}

/** Reads the header starting at `start`; returns it and the offset just past its data store. */
export function readHeader(buf: Buffer, start: number, file: string, which: string): { header: RpmHeader; end: number } {
  const corrupt = (what: string) => new ProductImgError('CORRUPT_HEADER', file, `corrupt ${which} header: ${what}`);
  const truncated = () => new ProductImgError('TRUNCATED', file, `truncated: the ${which} header runs past the end of the file`);
  if (buf.length < start + 16) throw truncated();
  if (!buf.subarray(start, start + 4).equals(MAGIC)) throw corrupt('bad header magic');
  const il = buf.readUInt32BE(start + 8);
  const dl = buf.readUInt32BE(start + 12);
  if (il < 1 || il > MAX_ENTRIES) throw corrupt(`impossible entry count ${il}`);
  if (dl > MAX_DATA) throw corrupt(`impossible data size ${dl}`);
  const dataStart = start + 16 + il * 16;
  const end = dataStart + dl;
  if (buf.length < end) throw truncated();
  const data = buf.subarray(dataStart, end);

  const entries = new Map<number, Entry>();
  for (let i = 0; i < il; i++) {
    const at = start + 16 + i * 16;
    const tag = buf.readUInt32BE(at);
    const e = { type: buf.readUInt32BE(at + 4), offset: buf.readInt32BE(at + 8), count: buf.readUInt32BE(at + 12) };
    checkEntry(tag, e, data, corrupt);
    entries.set(tag, e);
  }
  return { header: new RpmHeader(file, entries, data), end };
}

function checkEntry(tag: number, e: Entry, data: Buffer, corrupt: (what: string) => ProductImgError): void {
  if (e.type > TYPE.I18NSTRING) throw corrupt(`tag ${tag} has unknown type ${e.type}`);
  if (e.offset < 0 || e.offset > data.length) throw corrupt(`tag ${tag} points outside the data`);
  if (e.type === TYPE.STRING && e.count !== 1) throw corrupt(`tag ${tag} has ${e.count} values for one string`);
  const fixed = FIXED_SIZE[e.type];
  if (fixed !== undefined) {
    if (e.offset % fixed !== 0) throw corrupt(`tag ${tag} is misaligned`);
    if (e.offset + fixed * e.count > data.length) throw corrupt(`tag ${tag} runs past the data`);
    return;
  }
  let at = e.offset;
  for (let i = 0; i < e.count; i++) {
    const nul = data.indexOf(0, at);
    if (nul < 0) throw corrupt(`tag ${tag} has an unterminated string`);
    at = nul + 1;
  }
}
