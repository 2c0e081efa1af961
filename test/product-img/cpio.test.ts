// The newc writer and reader, checked with GNU cpio.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCpioRecords, readNewc, writeNewc } from '../../src/product-img/cpio.js';
import { ProductImgError } from '../../src/product-img/errors.js';
import { S_IFDIR, S_IFLNK, S_IFREG } from '../../src/product-img/modes.js';
import { cleanupTempDirs, readTree, requireTools, sh, tempDir } from './helpers.js';

beforeAll(() => requireTools({ root: true }));
afterAll(cleanupTempDirs);

const sample = () => [
  { path: 'usr/sbin/tool', mode: S_IFREG | 0o755, data: Buffer.from('#!/bin/sh\necho hi\n') },
  { path: 'usr/bin/tool', mode: S_IFLNK | 0o777, data: Buffer.from('../sbin/tool') },
  { path: './etc/conf.d/a.conf', mode: S_IFREG | 0o644, data: Buffer.from('a=1\n') },
];

function thrown(fn: () => unknown): ProductImgError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProductImgError);
    return e as ProductImgError;
  }
  throw new Error('expected an error');
}

describe('cpio newc writer', () => {
  it('When entries are written, then GNU cpio lists them sorted, parents first, owned by root', () => {
    const d = tempDir();
    writeFileSync(join(d, 'a.cpio'), writeNewc(sample(), { mtime: 1700000000 }));
    expect(sh('cpio -it --quiet < a.cpio', d).toString().trim().split('\n')).toEqual([
      'etc',
      'etc/conf.d',
      'etc/conf.d/a.conf',
      'usr',
      'usr/bin',
      'usr/bin/tool',
      'usr/sbin',
      'usr/sbin/tool',
    ]);
    const out = join(d, 'x');
    sh(`mkdir x && cd x && cpio -iumd --quiet < ../a.cpio`, d);
    const tree = readTree(out);
    expect(tree.get('usr/sbin/tool')!.mode).toBe(S_IFREG | 0o755);
    expect(tree.get('usr/bin/tool')!.link).toBe('../sbin/tool');
    expect(tree.get('etc/conf.d/a.conf')!.data!.toString()).toBe('a=1\n');
    expect(tree.get('usr')!.mode).toBe(S_IFDIR | 0o755);
    for (const f of tree.values()) expect([f.uid, f.gid]).toEqual([0, 0]);
    expect(sh('TZ=UTC cpio -itv --quiet < a.cpio', d).toString()).toContain('Nov 14  2023');
  });

  it('When the archive is read back, then inodes count up, nlink is 2 for dirs, 1 otherwise, and sizes are padded to 4', () => {
    const buf = writeNewc(sample(), { mtime: 42 });
    expect(buf.length % 4).toBe(0);
    const recs = readCpioRecords(buf, 'a.cpio');
    recs.forEach((r, i) => {
      if (r.kind !== 'newc') throw new Error('newc only');
      expect(r.ino).toBe(i + 1);
      expect(r.nlink).toBe((r.mode & 0o170000) === S_IFDIR ? 2 : 1);
      expect(r.mtime).toBe(42);
      expect([r.uid, r.gid, r.devMajor, r.devMinor]).toEqual([0, 0, 0, 0]);
    });
    expect(buf.subarray(-128).toString('latin1')).toContain('TRAILER!!!');
    expect(readNewc(buf, 'a.cpio').find((e) => e.path === 'usr/bin/tool')!.linkTarget).toBe('../sbin/tool');
  });

  it('When mtime is not given, then it is 0, and the same entries in any order give the same bytes', () => {
    const a = writeNewc(sample());
    const b = writeNewc(sample().reverse());
    expect(a.equals(b)).toBe(true);
    const r = readCpioRecords(a, 'a')[0]!;
    expect(r.kind === 'newc' && r.mtime).toBe(0);
  });

  it.each([
    ['../etc/passwd', 'escapes the image root'],
    ['usr/../../etc/passwd', 'escapes the image root'],
    ['/etc/passwd', 'absolute path'],
    ['.buildstamp', '.buildstamp'],
    ['./.buildstamp', '.buildstamp'],
    ['tmp/.buildstamp', '.buildstamp'],
    ['', 'empty path'],
  ])('When a path is "%s", then it is refused (%s)', (path, why) => {
    const err = thrown(() => writeNewc([{ path, mode: S_IFREG | 0o644, data: Buffer.from('x') }], { file: 'out.img' }));
    expect(err.code).toBe('BAD_PATH');
    expect(err.message.startsWith('out.img: ')).toBe(true);
    expect(err.message).toContain(why);
  });

  it('When a path is given twice or a file is used as a directory, then the writer refuses', () => {
    const f = { path: 'a', mode: S_IFREG | 0o644, data: Buffer.from('x') };
    expect(thrown(() => writeNewc([f, f])).message).toContain('"a" is given twice');
    expect(thrown(() => writeNewc([f, { ...f, path: 'a/b' }])).message).toContain('"a" is not a directory');
    expect(thrown(() => writeNewc([{ ...f, mode: 0o010644 }])).message).toContain('neither a file');
  });
});

describe('cpio newc reader', () => {
  it('When GNU cpio wrote hard links, then every link gets the data', () => {
    const d = tempDir();
    sh('mkdir -p t/d && printf data > t/d/f && ln t/d/f t/g && ln -s d/f t/l && cd t && find . | sort | cpio -o -H newc --quiet > ../t.cpio', d);
    const entries = readNewc(readFileSync(join(d, 't.cpio')), 't.cpio');
    expect(entries.find((e) => e.path === 'd/f')!.data.toString()).toBe('data');
    expect(entries.find((e) => e.path === 'g')!.data.toString()).toBe('data');
    expect(entries.find((e) => e.path === 'l')!.linkTarget).toBe('d/f');
  });

  it('When the archive is cut or damaged, then the error names the file and the byte', () => {
    const buf = writeNewc(sample());
    expect(thrown(() => readNewc(buf.subarray(0, 200), 'cut.cpio')).message).toMatch(/^cut\.cpio: truncated cpio archive at byte \d+$/);
    const bad = Buffer.from(buf);
    bad.write('zzzzzzzz', 6);
    expect(thrown(() => readNewc(bad, 'bad.cpio')).message).toBe('bad.cpio: corrupt cpio archive at byte 0: bad header field "zzzzzzzz"');
  });
});
