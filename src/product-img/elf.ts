// DT_NEEDED of an ELF file: the shared libraries the dynamic loader will look for, which is what
// decides whether a binary dropped into the Anaconda runtime can start there. Found through the
// PT_DYNAMIC segment (what the loader uses), or the .dynamic section when there are no program headers.
import { ProductImgError } from './errors.js';

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const SHT_DYNAMIC = 6;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;

interface Reader {
  u16(at: number): number;
  u32(at: number): number;
  /** An address-sized field (4 bytes in ELF32, 8 in ELF64). */
  addr(at: number): number;
  size: 4 | 8;
}

/** Returns the DT_NEEDED names in file order, [] for a static ELF, null for anything not ELF. */
export function neededLibraries(buf: Buffer, file: string): string[] | null {
  if (buf.length < 16 || !buf.subarray(0, 4).equals(ELF_MAGIC)) return null;
  const corrupt = (what: string) => new ProductImgError('BAD_INPUT', file, `corrupt ELF file: ${what}`);
  const cls = buf[4];
  const enc = buf[5];
  if ((cls !== 1 && cls !== 2) || (enc !== 1 && enc !== 2)) throw corrupt('unknown class or byte order');
  const le = enc === 1;
  const check = (at: number, len: number) => {
    if (at < 0 || at + len > buf.length) throw corrupt(`offset ${at} is past the end`);
  };
  const r: Reader = {
    u16: (at) => (check(at, 2), le ? buf.readUInt16LE(at) : buf.readUInt16BE(at)),
    u32: (at) => (check(at, 4), le ? buf.readUInt32LE(at) : buf.readUInt32BE(at)),
    addr: (at) => {
      if (cls === 1) return r.u32(at);
      check(at, 8);
      return Number(le ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at));
    },
    size: cls === 1 ? 4 : 8,
  };
  const w = r.size;
  // e_phoff, e_shoff, then the 16-bit counts; their places depend on the address size.
  const phoff = r.addr(w === 8 ? 0x20 : 0x1c);
  const shoff = r.addr(w === 8 ? 0x28 : 0x20);
  const base = w === 8 ? 0x36 : 0x2a;
  const phentsize = r.u16(base);
  const phnum = r.u16(base + 2);
  const shentsize = r.u16(base + 4);
  const shnum = r.u16(base + 6);

  const segments = Array.from({ length: phnum }, (_, i) => segment(r, phoff + i * phentsize));
  const loads = segments.filter((s) => s.type === PT_LOAD);
  const toOffset = (vaddr: number): number => {
    const s = loads.find((l) => vaddr >= l.vaddr && vaddr < l.vaddr + l.filesz);
    if (!s) throw corrupt(`address 0x${vaddr.toString(16)} is in no loaded segment`);
    return vaddr - s.vaddr + s.offset;
  };

  let dyn: { offset: number; size: number } | undefined;
  let strtab: number | undefined;
  const dynSeg = segments.find((s) => s.type === PT_DYNAMIC);
  if (dynSeg) {
    dyn = { offset: dynSeg.offset, size: dynSeg.filesz };
  } else {
    for (let i = 0; i < shnum; i++) {
      const at = shoff + i * shentsize;
      if (r.u32(at + 4) !== SHT_DYNAMIC) continue;
      const sh = section(r, at);
      dyn = { offset: sh.offset, size: sh.size };
      strtab = section(r, shoff + sh.link * shentsize).offset;
    }
  }
  if (!dyn) return [];

  const needed: number[] = [];
  for (let at = dyn.offset; at + 2 * w <= dyn.offset + dyn.size; at += 2 * w) {
    const tag = r.addr(at);
    const val = r.addr(at + w);
    if (tag === DT_NULL) break;
    if (tag === DT_NEEDED) needed.push(val);
    if (tag === DT_STRTAB && strtab === undefined) strtab = toOffset(val);
  }
  if (needed.length === 0) return [];
  if (strtab === undefined) throw corrupt('DT_NEEDED without a string table');
  return needed.map((off) => {
    const start = strtab + off;
    check(start, 1);
    const end = buf.indexOf(0, start);
    if (end < 0) throw corrupt('unterminated library name');
    return buf.toString('utf8', start, end);
  });
}

function segment(r: Reader, at: number): { type: number; offset: number; vaddr: number; filesz: number } {
  // ELF64: type, flags, offset, vaddr, paddr, filesz; ELF32: type, offset, vaddr, paddr, filesz, memsz, flags.
  if (r.size === 8) return { type: r.u32(at), offset: r.addr(at + 8), vaddr: r.addr(at + 16), filesz: r.addr(at + 32) };
  return { type: r.u32(at), offset: r.u32(at + 4), vaddr: r.u32(at + 8), filesz: r.u32(at + 16) };
}

function section(r: Reader, at: number): { offset: number; size: number; link: number } {
  if (r.size === 8) return { offset: r.addr(at + 24), size: r.addr(at + 32), link: r.u32(at + 40) };
  return { offset: r.u32(at + 16), size: r.u32(at + 20), link: r.u32(at + 24) };
}
