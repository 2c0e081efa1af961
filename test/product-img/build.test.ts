// Building product.img from real rpms, checked by unpacking it the way dracut does (cpio -iumd)
// and comparing with rpm2cpio | cpio -idm.
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProductImg } from '../../src/product-img/build.js';
import type { Recipe } from '../../src/product-img/recipe.js';
import { buildRpm, cleanupTempDirs, type Payload, requireTools, sh, tempDir, unpackImage, unpackRpm, failure } from './helpers.js';

let dir: string;
const rpms = new Map<Payload, string>();
let toolRpm: string;
let stampRpm: string;

beforeAll(() => {
  requireTools({ root: true });
  dir = tempDir();
  for (const p of ['w9.gzdio', 'w6.xzdio', 'w19.zstdio'] as Payload[]) rpms.set(p, buildRpm(dir, p));
  toolRpm = buildRpm(dir, 'w9.gzdio', { name: 'other', kexec: 'none' });
  stampRpm = buildRpm(dir, 'w9.gzdio', { name: 'branded', buildstamp: true });
});
afterAll(cleanupTempDirs);

const recipe = (r: Partial<Recipe>): Recipe => ({ rpms: [], take: [], files: [], compress: 'gzip', ...r });

describe('test set-up', () => {
  it('When the tests do not run as root, then requireTools says to run them as root', () => {
    const uid = vi.spyOn(process, 'getuid').mockReturnValue(1000);
    try {
      expect(() => requireTools({ root: true })).toThrow('these tests unpack as dracut does: run as root (cpio -iumd keeps owners only for root)');
      expect(() => requireTools()).not.toThrow();
    } finally {
      uid.mockRestore();
    }
  });
});

describe('buildProductImg', () => {
  it.each([
    ['w9.gzdio', 'gzip'],
    ['w6.xzdio', 'xz'],
    ['w19.zstdio', 'gzip'],
  ] as [Payload, 'gzip' | 'xz'][])('When files are taken from a %s rpm into a %s image, then cpio -iumd gives what rpm2cpio gives', async (payload, compress) => {
    const out = join(tempDir(), 'product.img');
    const rpm = rpms.get(payload)!;
    const report = await buildProductImg(
      recipe({ rpms: [rpm], take: ['usr/sbin/kexec', 'usr/bin/*', 'usr/lib64/libkstest.so*', 'usr/share/kstest/**'], compress }),
      { outPath: out },
    );
    const listed = sh(`${compress === 'xz' ? 'xz' : 'gzip'} -dc '${out}' | cpio -t --quiet`).toString().trim().split('\n');
    expect(listed).toEqual([
      'usr',
      'usr/bin',
      'usr/bin/kstest-link',
      'usr/lib64',
      'usr/lib64/libkstest.so.1',
      'usr/lib64/libkstest.so.1.0',
      'usr/sbin',
      'usr/sbin/kexec',
      'usr/share',
      'usr/share/kstest',
      'usr/share/kstest/hard.txt',
      'usr/share/kstest/sub',
      'usr/share/kstest/sub/deeper',
      'usr/share/kstest/sub/deeper/data.txt',
    ]);
    expect(report.entries.map((e) => e.path)).toEqual(listed);

    const got = unpackImage(out, tempDir());
    const want = unpackRpm(rpm, tempDir());
    for (const path of listed) {
      const g = got.get(path)!;
      const w = want.get(path)!;
      expect(g.mode.toString(8), path).toBe(w.mode.toString(8));
      // Meaningful because requireTools insists on root: cpio -iumd by anyone else owns every file.
      expect([g.uid, g.gid], path).toEqual([0, 0]);
      expect([g.uid, g.gid], path).toEqual([w.uid, w.gid]);
      expect(g.link, path).toBe(w.link);
      expect(g.data?.toString('hex'), path).toBe(w.data?.toString('hex'));
    }
    expect(got.get('usr/sbin/kexec')!.mode & 0o7777).toBe(0o755);
    expect(report.sha256).toBe(createHash('sha256').update(readFileSync(out)).digest('hex'));
  });

  it('When the same recipe is built twice, then the bytes match; another SOURCE_DATE_EPOCH changes them', async () => {
    const d = tempDir();
    for (const compress of ['gzip', 'xz'] as const) {
      const r = recipe({ rpms: [rpms.get('w19.zstdio')!], preset: 'kexec', take: ['usr/share/kstest/**'], compress });
      const a = await buildProductImg(r, { outPath: join(d, `a.${compress}`), sourceDateEpoch: 1700000000 });
      const b = await buildProductImg(r, { outPath: join(d, `b.${compress}`), sourceDateEpoch: 1700000000 });
      const c = await buildProductImg(r, { outPath: join(d, `c.${compress}`), sourceDateEpoch: 1700000001 });
      expect(a.sha256).toBe(b.sha256);
      expect(readFileSync(join(d, `a.${compress}`)).equals(readFileSync(join(d, `b.${compress}`)))).toBe(true);
      expect(c.sha256).not.toBe(a.sha256);
    }
    // gzip header: no name, mtime 0
    const gz = readFileSync(join(d, 'a.gzip'));
    expect(gz[3]).toBe(0);
    expect(gz.readUInt32LE(4)).toBe(0);
  });

  it('When local files are added, then their mode is the source\'s unless the recipe gives one', async () => {
    const d = tempDir();
    const src = join(d, 'hook.sh');
    writeFileSync(src, '#!/bin/sh\necho hook\n');
    chmodSync(src, 0o750);
    const out = join(d, 'product.img');
    await buildProductImg(
      recipe({
        files: [
          { src, dest: '/usr/libexec/hook.sh' },
          { src, dest: 'etc/hook.conf', mode: 0o600 },
        ],
      }),
      { outPath: out },
    );
    const got = unpackImage(out, tempDir());
    expect(got.get('usr/libexec/hook.sh')!.mode & 0o7777).toBe(0o750);
    expect(got.get('etc/hook.conf')!.mode & 0o7777).toBe(0o600);
    expect(got.get('usr/libexec/hook.sh')!.data!.toString()).toBe('#!/bin/sh\necho hook\n');
  });

  it('When /usr/sbin/kexec is packed, then the report lists its DT_NEEDED as readelf does, and what is missing', async () => {
    const out = join(tempDir(), 'product.img');
    const report = await buildProductImg(recipe({ files: [{ src: '/usr/sbin/kexec', dest: 'usr/sbin/kexec' }] }), { outPath: out });
    const readelf = [...sh('readelf -d /usr/sbin/kexec').toString().matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    expect(report.needed).toEqual([{ path: 'usr/sbin/kexec', needed: readelf }]);
    expect(report.missing.map((m) => m.lib).sort()).toEqual([...readelf].sort());
    expect(report.missing.every((m) => m.neededBy.join() === 'usr/sbin/kexec')).toBe(true);
  });

  it('When expectLibs lacks a needed library, then the build fails naming it and its binary, and writes nothing', async () => {
    const d = tempDir();
    const libs = join(d, 'libs.txt');
    writeFileSync(libs, '# test runtime: nothing at all\n');
    const readelf = [...sh('readelf -d /usr/sbin/kexec').toString().matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
    const others = [...readelf].sort();
    expect(others).toContain('libc.so.6');
    const r = recipe({ files: [{ src: '/usr/sbin/kexec', dest: 'usr/sbin/kexec' }], expectLibs: libs });
    const err = await failure(buildProductImg(r, { outPath: join(d, 'product.img') }));
    expect(err.code).toBe('MISSING_LIBS');
    expect(err.message).toBe(`${libs}: not in the runtime nor in the image: ${others.map((l) => `${l} (needed by usr/sbin/kexec)`).join(', ')}`);
    expect(readdirSync(d).sort()).toEqual(['libs.txt']);

    writeFileSync(libs, readelf.join('\n'));
    const ok = await buildProductImg(r, { outPath: join(d, 'product.img') });
    expect(ok.missing).toEqual([]);
  });

  it('When preset kexec is used, then usr/sbin/kexec is taken; without kexec in the rpms it fails', async () => {
    const d = tempDir();
    const report = await buildProductImg(recipe({ rpms: [rpms.get('w9.gzdio')!], preset: 'kexec' }), { outPath: join(d, 'k.img') });
    expect(report.entries.map((e) => e.path)).toEqual(['usr', 'usr/sbin', 'usr/sbin/kexec']);
    expect(report.entries[2]!.mode).toBe(0o100755);
    const err = await failure(buildProductImg(recipe({ rpms: [toolRpm], preset: 'kexec' }), { outPath: join(d, 'n.img') }));
    expect(err.code).toBe('TAKE_UNMATCHED');
    expect(err.message).toBe(`${toolRpm}: preset kexec: neither usr/sbin/kexec nor usr/bin/kexec is in these packages`);
    expect(existsSync(join(d, 'n.img'))).toBe(false);
  });

  it('When a take glob matches nothing, then the error names the glob and nothing is written', async () => {
    const d = tempDir();
    const err = await failure(buildProductImg(recipe({ rpms: [rpms.get('w9.gzdio')!, toolRpm], take: ['usr/sbin/kexec', 'usr/bin/nope*'] }), { outPath: join(d, 'p.img') }));
    expect(err.message).toBe(`${rpms.get('w9.gzdio')!}, ${toolRpm}: --take "usr/bin/nope*" matches no file in these packages`);
    expect(readdirSync(d)).toEqual([]);
  });

  it.each([
    ['truncated', (b: Buffer) => b.subarray(0, 3000), /: truncated/],
    ['corrupt', (b: Buffer) => Buffer.concat([b.subarray(0, 96), Buffer.alloc(16), b.subarray(112)]), /: corrupt signature header: bad header magic$/],
    ['not an rpm', () => Buffer.from('just text\n'), /: not an rpm package \(bad lead magic\)$/],
  ] as const)('When an rpm is %s, then the build fails naming it and writes nothing', async (_what, mangle, message) => {
    const d = tempDir();
    const bad = join(d, 'bad.rpm');
    writeFileSync(bad, mangle(readFileSync(rpms.get('w9.gzdio')!)));
    const out = join(d, 'out', 'product.img');
    sh(`mkdir '${join(d, 'out')}'`);
    const err = await failure(buildProductImg(recipe({ rpms: [bad], take: ['usr/sbin/kexec'] }), { outPath: out }));
    expect(err.message.startsWith(`${bad}: `)).toBe(true);
    expect(err.message).toMatch(message);
    expect(readdirSync(join(d, 'out'))).toEqual([]);
  });

  it('When the output folder does not exist, then the error names the folder', async () => {
    const d = tempDir();
    const out = join(d, 'missing', 'product.img');
    const err = await failure(buildProductImg(recipe({ rpms: [rpms.get('w9.gzdio')!], preset: 'kexec' }), { outPath: out }));
    expect(err.code).toBe('NO_OUTPUT_DIR');
    expect(err.message).toBe(`${out}: output folder ${join(d, 'missing')} does not exist`);
  });

  it('When a local file would land on .buildstamp or outside the root, then the build refuses', async () => {
    const d = tempDir();
    const src = join(d, 'x');
    writeFileSync(src, 'x');
    const stamp = await failure(buildProductImg(recipe({ files: [{ src, dest: '.buildstamp' }] }), { outPath: join(d, 'p.img') }));
    expect(stamp.message).toBe(`${src}: path ".buildstamp" is a .buildstamp, which Anaconda must take from the media`);
    const esc = await failure(buildProductImg(recipe({ files: [{ src, dest: '../../etc/x' }] }), { outPath: join(d, 'p.img') }));
    expect(esc.message).toBe(`${src}: path "../../etc/x" escapes the image root`);
    expect(existsSync(join(d, 'p.img'))).toBe(false);
  });

  it('When --take ** meets a .buildstamp in an rpm, then it is left out and reported; a glob naming it is refused', async () => {
    const d = tempDir();
    const out = join(d, 'p.img');
    const report = await buildProductImg(recipe({ rpms: [stampRpm], take: ['**'] }), { outPath: out });
    expect(report.skipped).toEqual([{ path: '.buildstamp', from: stampRpm }]);
    const listed = sh(`gzip -dc '${out}' | cpio -t --quiet`).toString().trim().split('\n');
    expect(listed).not.toContain('.buildstamp');
    expect(listed).toContain('usr/sbin/kexec');
    expect(listed).toContain('usr/share/branded/hard.txt');

    for (const glob of ['.buildstamp', '/.buildstamp', '**/.buildstamp']) {
      const err = await failure(buildProductImg(recipe({ rpms: [stampRpm], take: [glob] }), { outPath: join(d, 'n.img') }));
      expect(err.code).toBe('BAD_PATH');
      expect(err.message).toBe(`${stampRpm}: --take "${glob}" names a .buildstamp, which Anaconda must take from the media`);
    }
    const only = await failure(buildProductImg(recipe({ rpms: [stampRpm], take: ['.build*'] }), { outPath: join(d, 'n.img') }));
    expect(only.code).toBe('TAKE_UNMATCHED');
    expect(only.message).toBe(`${stampRpm}: --take ".build*" matches only a .buildstamp, which is never packed`);
    expect(readdirSync(d)).toEqual(['p.img']);
  });
});
