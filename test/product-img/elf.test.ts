// DT_NEEDED from real binaries (against readelf) and from hand-made ELF32 big-endian / ELF64 files.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { neededLibraries } from '../../src/product-img/elf.js';
import { requireTools, sh } from './helpers.js';

beforeAll(() => requireTools());

function readelfNeeded(path: string): string[] {
  return [...sh(`readelf -d '${path}'`).toString().matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
}

/** A minimal ELF with a PT_LOAD, and the dynamic table either as PT_DYNAMIC or only as a section. */
function makeElf(opts: { bits: 32 | 64; le: boolean; libs: string[]; sectionsOnly?: boolean }): Buffer {
  const { bits, le } = opts;
  const w = bits / 8;
  const buf = Buffer.alloc(4096);
  const u16 = (v: number, at: number) => (le ? buf.writeUInt16LE(v, at) : buf.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (le ? buf.writeUInt32LE(v, at) : buf.writeUInt32BE(v, at));
  const addr = (v: number, at: number) => (w === 4 ? u32(v, at) : le ? buf.writeBigUInt64LE(BigInt(v), at) : buf.writeBigUInt64BE(BigInt(v), at));
  buf.write('\x7fELF', 0, 'latin1');
  buf[4] = bits === 32 ? 1 : 2;
  buf[5] = le ? 1 : 2;
  buf[6] = 1;
  const strtab = 1024;
  const dyn = 2048;
  const vbase = 0x10000;
  let s = strtab + 1;
  const offs = opts.libs.map((l) => {
    const o = s - strtab;
    buf.write(`${l}\0`, s, 'latin1');
    s += l.length + 1;
    return o;
  });
  const entries: [number, number][] = [...offs.map((o): [number, number] => [1, o]), [5, vbase + strtab], [0, 0]];
  entries.forEach(([t, v], i) => {
    addr(t, dyn + i * 2 * w);
    addr(v, dyn + i * 2 * w + w);
  });
  const phoff = 64;
  const phent = bits === 64 ? 56 : 32;
  const shoff = 512;
  const shent = bits === 64 ? 64 : 40;
  addr(opts.sectionsOnly ? 0 : phoff, bits === 64 ? 0x20 : 0x1c);
  addr(shoff, bits === 64 ? 0x28 : 0x20);
  const base = bits === 64 ? 0x36 : 0x2a;
  u16(phent, base);
  u16(opts.sectionsOnly ? 0 : 2, base + 2);
  u16(shent, base + 4);
  u16(3, base + 6);
  const phdr = (i: number, type: number, off: number, vaddr: number, size: number) => {
    const at = phoff + i * phent;
    u32(type, at);
    if (bits === 64) {
      addr(off, at + 8);
      addr(vaddr, at + 16);
      addr(size, at + 32);
    } else {
      u32(off, at + 4);
      u32(vaddr, at + 8);
      u32(size, at + 16);
    }
  };
  phdr(0, 1, 0, vbase, 4096);
  phdr(1, 2, dyn, vbase + dyn, entries.length * 2 * w);
  const shdr = (i: number, type: number, off: number, size: number, link: number) => {
    const at = shoff + i * shent;
    u32(type, at + 4);
    if (bits === 64) {
      addr(off, at + 24);
      addr(size, at + 32);
      u32(link, at + 40);
    } else {
      u32(off, at + 16);
      u32(size, at + 20);
      u32(link, at + 24);
    }
  };
  shdr(1, 3, strtab, s - strtab, 0);
  shdr(2, 6, dyn, entries.length * 2 * w, 1);
  return buf;
}

describe('ELF DT_NEEDED', () => {
  it.each(['/usr/sbin/kexec', '/bin/sh', '/usr/bin/cpio'])('When %s is read, then DT_NEEDED equals readelf -d', (path) => {
    expect(neededLibraries(readFileSync(path), path)).toEqual(readelfNeeded(path));
  });

  it.each([
    [32, false, false],
    [32, true, true],
    [64, false, true],
    [64, true, false],
  ] as const)('When a %i-bit ELF (little endian: %s, sections only: %s) is read, then its libraries come out in order', (bits, le, sectionsOnly) => {
    const libs = ['libz.so.1', 'liblzma.so.5', 'libc.so.6'];
    expect(neededLibraries(makeElf({ bits, le, libs, sectionsOnly }), 'x')).toEqual(libs);
  });

  it('When the file is not ELF, then the answer is null, not an error', () => {
    expect(neededLibraries(Buffer.from('#!/bin/sh\necho hi\n'), 'script')).toBeNull();
    expect(neededLibraries(Buffer.alloc(0), 'empty')).toBeNull();
  });

  it('When an ELF is static, then it needs nothing; when it is cut short, the error names it', () => {
    expect(neededLibraries(makeElf({ bits: 64, le: true, libs: [] }), 'static')).toEqual([]);
    const cut = readFileSync('/usr/sbin/kexec').subarray(0, 100);
    expect(() => neededLibraries(cut, 'usr/sbin/kexec')).toThrow(/^usr\/sbin\/kexec: corrupt ELF file: offset \d+ is past the end$/);
  });
});
