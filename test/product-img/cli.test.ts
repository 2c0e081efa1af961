// `kickstand product-img build|inspect` through the real entry point (tsx src/main.ts): exit codes,
// one-line errors naming the file, nothing written on failure, and the report, checked with the
// real tools (gzip -dc | cpio -t, readelf -d).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRpm, cleanupTempDirs, requireTools, rpmLayout, sh, tempDir } from './helpers.js';

const run = promisify(execFile);
let dir: string;
let rpm: string;
let binKexecRpm: string;
let stampRpm: string;

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', 'product-img', ...args], { env: { ...process.env, INIT_CWD: dir, ...env }, encoding: 'utf-8' });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => {
  requireTools();
  dir = tempDir('kickstand-pimg-cli-');
  rpm = buildRpm(dir, 'w19.zstdio');
  binKexecRpm = buildRpm(dir, 'w19.zstdio', { name: 'fedora42', kexec: 'bin' });
  stampRpm = buildRpm(dir, 'w19.zstdio', { name: 'branded', buildstamp: true });
});

const listImage = (img: string) => sh(`${readFileSync(img)[0] === 0xfd ? 'xz' : 'gzip'} -dc '${img}' | cpio -t --quiet`).toString().trim().split('\n');
afterAll(cleanupTempDirs);

describe('product-img CLI', () => {
  it('When kexec is taken from a zstd rpm with --preset kexec, then the image lists it with cpio -t, and the report names its DT_NEEDED as readelf does', async () => {
    const r = await cli(['build', '-o', 'product.img', '--rpm', rpm, '--preset', 'kexec'], { SOURCE_DATE_EPOCH: '1700000000' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*product\.img \(gzip, \d+ bytes, sha256 [0-9a-f]{64}\)\n/);
    expect(r.stdout).toContain('100755');
    expect(sh(`gzip -dc ${join(dir, 'product.img')} | cpio -t --quiet`).toString().trim().split('\n')).toEqual(['usr', 'usr/sbin', 'usr/sbin/kexec']);
    const readelf = sh('readelf -d /usr/sbin/kexec').toString();
    const needed = [...readelf.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    expect(r.stdout).toContain(`needs usr/sbin/kexec: ${needed.join(' ')}`);
    const again = await cli(['build', '-o', 'again.img', '--rpm', rpm, '--preset', 'kexec'], { SOURCE_DATE_EPOCH: '1700000000' });
    expect(again.stdout.split('\n')[0]!.split('sha256 ')[1]).toBe(r.stdout.split('\n')[0]!.split('sha256 ')[1]);
  });

  it('When a local file is added with --file SRC:DEST:MODE and xz is asked, then inspect lists it with its mode and sha256', async () => {
    writeFileSync(join(dir, 'hello.sh'), '#!/bin/sh\necho hi\n');
    const r = await cli(['build', '-o', 'x.img', '--file', 'hello.sh:usr/bin/hello:0750', '--compress', 'xz']);
    expect(r.code).toBe(0);
    const inspect = await cli(['inspect', 'x.img']);
    expect(inspect.code).toBe(0);
    const sha = sh(`sha256sum ${join(dir, 'hello.sh')}`).toString().split(' ')[0];
    expect(inspect.stdout).toMatch(new RegExp(`^# .*x\\.img \\(xz, 3 entries\\)\\n`));
    expect(inspect.stdout).toContain(`100750         18 ${sha} usr/bin/hello`);
    const json = JSON.parse((await cli(['inspect', 'x.img', '--json'])).stdout);
    expect(json.entries.find((e: { path: string }) => e.path === 'usr/bin/hello')).toMatchObject({ mode: '100750', uid: 0, gid: 0, size: 18, sha256: sha });
  });

  it.each([
    ['a file that is not an RPM', (d: string) => ['--rpm', writeJunk(d, 'junk.rpm'), '--preset', 'kexec'], /junk\.rpm: .*not an rpm/i],
    ['a truncated RPM', (d: string) => ['--rpm', truncated(d), '--preset', 'kexec'], /cut\.rpm: .*truncated/i],
    ['an RPM without the requested path', () => ['--rpm', rpm, '--take', 'usr/sbin/nothing-here'], /"usr\/sbin\/nothing-here"/],
    ['a missing RPM', () => ['--rpm', 'missing.rpm', '--preset', 'kexec'], /missing\.rpm: /],
    ['an RPM whose header magic is damaged', (d: string) => ['--rpm', mangled(d, 'magic.rpm', damageHeaderMagic), '--preset', 'kexec'], /\/magic\.rpm: corrupt main header: bad header magic$/m],
    ['an RPM whose payload digest does not match', (d: string) => ['--rpm', mangled(d, 'digest.rpm', damagePayloadDigest), '--preset', 'kexec'], /\/digest\.rpm: corrupt payload: its sha256 does not match the header's PAYLOADDIGEST$/m],
    ['an RPM with an unknown payload compressor', (d: string) => ['--rpm', mangled(d, 'zstx.rpm', renameCompressor), '--preset', 'kexec'], /\/zstx\.rpm: unknown payload compressor "zstx"$/m],
  ])('When the input is %s, then exit 1 with one line naming the file, and nothing is written', async (_what, args, message) => {
    const input = args(dir);
    const before = readdirSync(dir).sort();
    const r = await cli(['build', '-o', 'bad.img', ...input]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^kickstand: /);
    expect(existsSync(join(dir, 'bad.img'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('When the output folder does not exist, then exit 1 naming it; usage mistakes exit 2 with the usage', async () => {
    const r = await cli(['build', '-o', 'no/such/dir/p.img', '--rpm', rpm, '--preset', 'kexec']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no\/such\/dir/);
    for (const args of [['build'], ['build', '-o', 'x.img'], ['build', '-o', 'x.img', '--compress', 'bz2', '--file', 'a:b'], ['build', '-o', 'x.img', '--file', 'nocolon'], ['frobnicate'], ['inspect']]) {
      const u = await cli(args);
      expect(u.code, args.join(' ')).toBe(2);
      expect(u.stderr).toContain('usage:');
    }
  });
  it('When --recipe FILE is given, then its paths resolve next to it, flags add to its lists, and --compress overrides it', async () => {
    const rd = join(dir, 'recipes');
    mkdirSync(rd);
    copyFileSync(rpm, join(rd, 'kstest.rpm'));
    writeFileSync(join(rd, 'motd'), 'hello\n');
    writeFileSync(
      join(rd, 'site.json'),
      JSON.stringify({ rpms: ['kstest.rpm'], take: ['usr/share/kstest/**'], files: [{ src: 'motd', dest: 'etc/motd', mode: '0644' }], compress: 'xz' }),
    );
    writeFileSync(join(dir, 'extra.sh'), '#!/bin/sh\n');

    const plain = await cli(['build', '-o', 'recipe.img', '--recipe', 'recipes/site.json']);
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^wrote .*recipe\.img \(xz, /);
    const fromRecipe = ['etc', 'etc/motd', 'usr', 'usr/share', 'usr/share/kstest', 'usr/share/kstest/hard.txt', 'usr/share/kstest/sub', 'usr/share/kstest/sub/deeper', 'usr/share/kstest/sub/deeper/data.txt'];
    expect(listImage(join(dir, 'recipe.img'))).toEqual(fromRecipe);

    const r = await cli(['build', '-o', 'recipe-plus.img', '--recipe', 'recipes/site.json', '--preset', 'kexec', '--file', 'extra.sh:usr/bin/extra:0755', '--compress', 'gzip']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*recipe-plus\.img \(gzip, /);
    expect(listImage(join(dir, 'recipe-plus.img'))).toEqual([...fromRecipe, 'usr/bin', 'usr/bin/extra', 'usr/sbin', 'usr/sbin/kexec'].sort());
    expect(r.stdout).toMatch(/100755 +\d+ usr\/bin\/extra {2}\(from extra\.sh\)/);
  });

  it.each([
    ['{"compress":"xz","rpms":["kstest.rpm"],"preset":"grub"}', 'field "preset" must be one of "kexec"'],
    ['{"compress":"xz","files":[{"src":"motd","dest":"etc/motd","mode":"999"}]}', 'field "files[0].mode" must be a number up to 4095 or an octal string like "0755"'],
    ['{"compress":"xz","rpm":["kstest.rpm"]}', 'field "rpm" is not a known field'],
  ])('When --recipe has an invalid field (%s), then exit 1 with one line naming the recipe and the field, and nothing is written', async (content, problem) => {
    const rd = tempDir('kickstand-pimg-recipe-');
    writeFileSync(join(rd, 'bad.json'), content);
    const before = readdirSync(dir).sort();
    const r = await cli(['build', '-o', 'bad-recipe.img', '--recipe', join(rd, 'bad.json'), '--preset', 'kexec']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kickstand: ${join(rd, 'bad.json')}: ${problem}\n`);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('When --preset kexec meets an RPM with only usr/bin/kexec (Fedora ≥ 42), then that is packed', async () => {
    const r = await cli(['build', '-o', 'fedora.img', '--rpm', binKexecRpm, '--preset', 'kexec']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(listImage(join(dir, 'fedora.img'))).toEqual(['usr', 'usr/bin', 'usr/bin/kexec']);
    expect(r.stdout).toMatch(/100755 +\d+ usr\/bin\/kexec {2}\(from fedora42-1\.0-1\.x86_64\.rpm\)/);
    expect(r.stdout).toContain('needs usr/bin/kexec: ');
  });

  it('When --take ** meets a .buildstamp, then one warning line names it and the image leaves it out; asking for it by name is refused', async () => {
    const r = await cli(['build', '-o', 'stamp.img', '--rpm', stampRpm, '--take', '**']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`kickstand: warning: ${stampRpm}: left out ".buildstamp": a .buildstamp is never packed, Anaconda must take it from the media\n`);
    const listed = listImage(join(dir, 'stamp.img'));
    expect(listed).not.toContain('.buildstamp');
    expect(listed).toContain('usr/sbin/kexec');

    writeFileSync(join(dir, 'buildstamp'), '[Main]\nProduct=Mine\n');
    const before = readdirSync(dir).sort();
    const byFile = await cli(['build', '-o', 'refused.img', '--file', 'buildstamp:.buildstamp']);
    expect(byFile.code).toBe(1);
    expect(byFile.stderr).toBe(`kickstand: ${join(dir, 'buildstamp')}: path ".buildstamp" is a .buildstamp, which Anaconda must take from the media\n`);
    const byTake = await cli(['build', '-o', 'refused.img', '--rpm', stampRpm, '--take', '.buildstamp']);
    expect(byTake.code).toBe(1);
    expect(byTake.stderr).toBe(`kickstand: ${stampRpm}: --take ".buildstamp" names a .buildstamp, which Anaconda must take from the media\n`);
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});

function writeJunk(d: string, name: string): string {
  writeFileSync(join(d, name), 'this is not an rpm at all, just text long enough to have a lead\n'.repeat(4));
  return join(d, name);
}

function truncated(d: string): string {
  const file = join(d, 'cut.rpm');
  sh(`head -c 3000 ${rpm} > ${file}`);
  return file;
}

/** A copy of the test RPM with `damage` applied. */
function mangled(d: string, name: string, damage: (buf: Buffer) => void): string {
  const buf = Buffer.from(readFileSync(rpm));
  damage(buf);
  writeFileSync(join(d, name), buf);
  return join(d, name);
}

function damageHeaderMagic(buf: Buffer): void {
  buf[rpmLayout(buf).mainStart] = 0;
}

/** Rewrites the header's PAYLOADDIGEST (sha256 hex of the compressed payload): the payload still
 *  decompresses, only the digest check can notice. */
function damagePayloadDigest(buf: Buffer): void {
  const { mainStart, payloadStart } = rpmLayout(buf);
  const digest = createHash('sha256').update(buf.subarray(payloadStart)).digest('hex');
  const at = buf.indexOf(digest, mainStart);
  expect(at).toBeGreaterThan(mainStart);
  expect(at).toBeLessThan(payloadStart);
  buf.write('0'.repeat(64), at);
}

/** Renames the header's PAYLOADCOMPRESSOR, as a package from a newer rpm with another codec would read. */
function renameCompressor(buf: Buffer): void {
  const { mainStart, payloadStart } = rpmLayout(buf);
  const at = buf.indexOf('zstd\0', mainStart);
  expect(at).toBeGreaterThan(mainStart);
  expect(at).toBeLessThan(payloadStart);
  buf.write('zstx', at);
}
