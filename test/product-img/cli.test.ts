// `kickstand product-img build|inspect` through the real entry point (tsx src/main.ts): exit codes,
// one-line errors naming the file, nothing written on failure, and the report, checked with the
// real tools (gzip -dc | cpio -t, readelf -d).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRpm, cleanupTempDirs, requireTools, sh, tempDir } from './helpers.js';

const run = promisify(execFile);
let dir: string;
let rpm: string;

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
});
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
