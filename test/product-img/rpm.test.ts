// Reading rpm packages built by the real rpmbuild, checked against rpm2cpio | cpio.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRpm, readRpm } from '../../src/product-img/rpm.js';
import { buildRpm, cleanupTempDirs, type Payload, readTree, requireTools, rpmLayout, sh, tempDir, unpackRpm, failure } from './helpers.js';

const PAYLOADS: [Payload, string][] = [
  ['w9.gzdio', 'gzip'],
  ['w6.xzdio', 'xz'],
  ['w19.zstdio', 'zstd'],
  ['w0.ufdio', 'none'],
];

let dir: string;
const rpms = new Map<Payload, string>();

beforeAll(() => {
  requireTools();
  dir = tempDir();
  for (const [p] of PAYLOADS) rpms.set(p, buildRpm(dir, p));
  rpms.set('w9.lzdio', buildRpm(dir, 'w9.lzdio'));
});
afterAll(cleanupTempDirs);

describe('rpm reader', () => {
  it.each(PAYLOADS)('When a %s package is read, then every payload file matches rpm2cpio | cpio -idm', async (payload, compressor) => {
    const rpm = rpms.get(payload)!;
    const pkg = await readRpm(rpm);
    expect([pkg.name, pkg.version, pkg.release, pkg.arch]).toEqual(['kstest', '1.0', '1', 'x86_64']);
    expect(pkg.payloadFormat).toBe('cpio');
    expect(pkg.payloadCompressor).toBe(compressor);

    const ref = unpackRpm(rpm, tempDir());
    const unowned = ['usr', 'usr/bin', 'usr/lib64', 'usr/sbin', 'usr/share'];
    expect(pkg.entries.map((e) => e.path).sort()).toEqual([...ref.keys()].filter((p) => !unowned.includes(p)).sort());
    for (const e of pkg.entries) {
      const r = ref.get(e.path)!;
      expect(r, e.path).toBeDefined();
      expect(e.mode.toString(8), e.path).toBe(r.mode.toString(8));
      expect([e.user, e.group]).toEqual(['root', 'root']);
      if (r.link !== undefined) expect(e.linkTarget).toBe(r.link);
      if (r.data !== undefined) expect(e.data.equals(r.data), e.path).toBe(true);
    }
  });

  it('When the payload is lzma-alone (w.lzdio), then the error names the compressor and the file', async () => {
    const rpm = rpms.get('w9.lzdio')!;
    const err = await failure(readRpm(rpm));
    expect(err.code).toBe('UNKNOWN_COMPRESSOR');
    expect(err.message).toBe(`${rpm}: payload compressor "lzma" (lzma-alone, rpm w.lzdio) is not supported: only gzip, xz, zstd or none`);
  });

  it('When files are hard links, then each link gets the data rpm stored only once', async () => {
    const pkg = await readRpm(rpms.get('w9.gzdio')!);
    const hard = pkg.entries.find((e) => e.path === 'usr/share/kstest/hard.txt')!;
    const data = pkg.entries.find((e) => e.path === 'usr/share/kstest/sub/deeper/data.txt')!;
    expect(hard.data.toString()).toBe('hello from kstest\n');
    expect(data.data.toString()).toBe('hello from kstest\n');
    expect(pkg.entries.find((e) => e.path === 'usr/sbin/kexec')!.mode).toBe(0o100755);
    expect(pkg.entries.find((e) => e.path === 'usr/bin/kstest-link')!.linkTarget).toBe('../sbin/kexec');
  });

  it('When a package has a 4 GiB %ghost file, then rpmbuild writes a stripped (07070X) payload, and every file matches rpm2archive | tar -x', async () => {
    // rpm ≥ 4.12 switches to LONGFILESIZES and the stripped cpio format as soon as one file is
    // ≥ 4 GiB (build/files.c); a sparse %ghost file triggers it without storing a byte of it.
    const rpm = buildRpm(dir, 'w19.zstdio', { large: true });
    const { payloadStart } = rpmLayout(readFileSync(rpm));
    expect(sh(`tail -c +${payloadStart + 1} '${rpm}' | zstd -dc | head -c 6`).toString()).toBe('07070X');
    expect(sh(`rpm -qp --qf '[%{LONGFILESIZES} %{FILENAMES}\\n]' '${rpm}'`).toString()).toContain('4294967296 /usr/share/kstest/large.img');

    const pkg = await readRpm(rpm);
    expect(pkg.files.find((f) => f.path === 'usr/share/kstest/large.img')).toMatchObject({ size: 4294967296, ghost: true });
    // rpm2cpio refuses such a package ("files over 4GB not supported by cpio"); rpm2archive writes tar.
    const into = tempDir();
    sh(`rpm2archive -n < '${rpm}' | tar -x`, into);
    const ref = readTree(into);
    const unowned = ['usr', 'usr/bin', 'usr/lib64', 'usr/sbin', 'usr/share'];
    expect(pkg.entries.map((e) => e.path).sort()).toEqual([...ref.keys()].filter((p) => !unowned.includes(p)).sort());
    for (const e of pkg.entries) {
      const r = ref.get(e.path)!;
      expect(e.mode.toString(8), e.path).toBe(r.mode.toString(8));
      if (r.data !== undefined) expect(e.data.toString('hex'), e.path).toBe(r.data.toString('hex'));
      if (r.link !== undefined) expect(e.linkTarget).toBe(r.link);
    }
    expect(pkg.entries.find((e) => e.path === 'usr/share/kstest/hard.txt')!.data.toString()).toBe('hello from kstest\n');
  });
});

describe('rpm reader errors', () => {
  it('When the file is not an rpm, then the error names it and says so', async () => {
    const f = join(tempDir(), 'notes.txt');
    writeFileSync(f, 'hello, not an rpm at all\n');
    const err = await failure(readRpm(f));
    expect(err.code).toBe('NOT_RPM');
    expect(err.message).toBe(`${f}: not an rpm package (bad lead magic)`);
  });

  it.each([
    ['inside the lead', 50],
    ['inside the signature header', 200],
    ['inside the main header', -1],
    ['inside the payload', -2],
  ])('When the rpm is cut off %s, then the error says truncated', async (_where, cut) => {
    const orig = readFileSync(rpms.get('w9.gzdio')!);
    const { mainStart, payloadStart } = rpmLayout(orig);
    const at = cut === -1 ? mainStart + 40 : cut === -2 ? payloadStart + Math.floor((orig.length - payloadStart) / 2) : cut;
    const f = join(tempDir(), 'cut.rpm');
    writeFileSync(f, orig.subarray(0, at));
    const err = await failure(readRpm(f));
    expect(err.code).toBe('TRUNCATED');
    expect(err.message.startsWith(`${f}: truncated`)).toBe(true);
    expect(err.message).not.toContain('\n');
  });

  it('When a header entry points outside the data, then the error says the header is corrupt', async () => {
    const buf = Buffer.from(readFileSync(rpms.get('w9.gzdio')!));
    const { mainStart } = rpmLayout(buf);
    buf.writeInt32BE(0x7fff0000, mainStart + 16 + 16 * 3 + 8); // offset of the 4th entry
    const f = join(tempDir(), 'corrupt.rpm');
    writeFileSync(f, buf);
    const err = await failure(readRpm(f));
    expect(err.code).toBe('CORRUPT_HEADER');
    expect(err.message).toMatch(new RegExp(`^${f}: corrupt main header: tag \\d+ points outside the data$`));
  });

  it('When the main header magic is damaged, then the error says the header is corrupt', async () => {
    const buf = Buffer.from(readFileSync(rpms.get('w9.gzdio')!));
    buf[rpmLayout(buf).mainStart] = 0;
    const err = await failure(parseRpm(buf, 'bad.rpm'));
    expect(err.message).toBe('bad.rpm: corrupt main header: bad header magic');
  });

  it('When the payload compressor is unknown, then the error names the compressor', async () => {
    const buf = Buffer.from(readFileSync(rpms.get('w9.gzdio')!));
    const { mainStart, payloadStart } = rpmLayout(buf);
    const at = buf.indexOf('gzip\0', mainStart);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(payloadStart);
    buf.write('gzzz', at);
    const f = join(tempDir(), 'gzzz.rpm');
    writeFileSync(f, buf);
    const err = await failure(readRpm(f));
    expect(err.code).toBe('UNKNOWN_COMPRESSOR');
    expect(err.message).toBe(`${f}: unknown payload compressor "gzzz"`);
  });

  it.each([['w9.gzdio'], ['w6.xzdio'], ['w19.zstdio']] as [Payload][])('When %s payload bytes are damaged, then the error says the payload is corrupt', async (payload) => {
    const buf = Buffer.from(readFileSync(rpms.get(payload)!));
    const { payloadStart } = rpmLayout(buf);
    const mid = payloadStart + Math.floor((buf.length - payloadStart) / 2);
    for (let i = mid; i < mid + 64; i++) buf[i] = buf[i]! ^ 0xa5;
    const f = join(tempDir(), 'damaged.rpm');
    writeFileSync(f, buf);
    const err = await failure(readRpm(f));
    expect(err.code).toBe('CORRUPT_PAYLOAD');
    // gzip and xz check themselves; a zstd frame without a checksum decodes, and the header's
    // payload digest catches it.
    expect(err.message).toMatch(new RegExp(`^${f}: corrupt (gzip data|xz data|zstd data|payload: its sha256 does not match the header's PAYLOADDIGEST)`));
    expect(err.message).not.toContain('\n');
  });

  it('When the file cannot be read, then the error names it', async () => {
    const f = join(tempDir(), 'absent.rpm');
    const err = await failure(readRpm(f));
    expect(err.message).toBe(`${f}: cannot read (ENOENT)`);
  });

  it('When the gzip payload is sound, then decompressing it ourselves agrees with rpm2cpio', async () => {
    const rpm = rpms.get('w9.gzdio')!;
    const buf = readFileSync(rpm);
    expect(gunzipSync(buf.subarray(rpmLayout(buf).payloadStart)).equals(sh(`rpm2cpio '${rpm}'`))).toBe(true);
  });
});

describe('rpm digests', () => {
  it('When a file inside an uncompressed payload is altered and the payload digest fixed up, then the file digest still catches it', async () => {
    // Rebuild an uncompressed package's payload with one byte of a file changed, fix the payload
    // digest and the sizes: only FILEDIGESTS is left to notice.
    const orig = Buffer.from(readFileSync(rpms.get('w0.ufdio')!));
    const { payloadStart, mainStart } = rpmLayout(orig);
    const at = orig.indexOf('hello from kstest', payloadStart);
    expect(at).toBeGreaterThan(payloadStart);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const before = sha(orig.subarray(payloadStart));
    orig.write('J', at);
    orig.write(sha(orig.subarray(payloadStart)), orig.indexOf(before, mainStart));
    const f = join(tempDir(), 'altered.rpm');
    writeFileSync(f, orig);
    const err = await failure(readRpm(f));
    expect(err.code).toBe('CORRUPT_PAYLOAD');
    expect(err.message).toMatch(/altered\.rpm: corrupt payload: usr\/share\/kstest\/(sub\/deeper\/data|hard)\.txt does not match its (sha256|md5) in the header/);
  });
});
