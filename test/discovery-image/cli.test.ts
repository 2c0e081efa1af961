// `kickstand discovery-image build`: its arguments, how it runs dracut (a recording stand-in first:
// the throw-away dracut base with 95kickstand and the shared shell, nothing left behind), and then a
// real dracut build, cached by content hash, whose initramfs must hold the module, the very same
// shell files as the stub's %pre, and the commands they call.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoveryImageCommand } from '../../src/cli/discovery-image.js';
import { buildDiscoveryImage, SHARED_SHELL } from '../../src/discovery-image/build.js';
import { discoveryImage } from './cached-image.js';

let dir: string;
let fake: { boot: string; modules: string; dracut: string; record: string };
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-di-cli-'));
  fake = {
    boot: path.join(dir, 'boot'),
    modules: path.join(dir, 'lib-modules'),
    dracut: path.join(dir, 'dracut'),
    record: path.join(dir, 'record'),
  };
  await mkdir(fake.boot);
  await mkdir(path.join(fake.modules, '6.1.0-test'), { recursive: true });
  await writeFile(path.join(fake.boot, 'vmlinuz-6.1.0-test'), 'MZ test kernel');
  // Records its arguments, its dracutbasedir and that base's kickstand module, then writes the output
  // (its last argument); DRACUT_FAIL=1 makes it fail as dracut does, with a message on stderr.
  await writeFile(
    fake.dracut,
    `#!/bin/bash
mkdir -p "${fake.record}"
printf '%s\\n' "$@" > "${fake.record}/args"
printf '%s\\n' "$dracutbasedir" > "${fake.record}/base"
(cd "$dracutbasedir/modules.d/95kickstand" && find . -type f | sort) > "${fake.record}/module-files"
cp -r "$dracutbasedir/modules.d/95kickstand" "${fake.record}/module"
ls "$dracutbasedir/modules.d" > "${fake.record}/modules"
if [[ \${DRACUT_FAIL:-0} == 1 ]]; then echo "dracut: FAILED: cannot install efivarfs" >&2; exit 1; fi
printf 'initrd bytes' > "\${@: -1}"
`,
  );
  await chmod(fake.dracut, 0o755);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const build = (out: string, more: object = {}) =>
  buildDiscoveryImage({ out, dracut: fake.dracut, bootDir: fake.boot, modulesDir: fake.modules, ...more });

describe('discovery-image build, with a stand-in dracut', () => {
  it('When it builds, then dracut runs no-hostonly with the network and kickstand modules, a private base and config, and the two files land in the output', async () => {
    const out = path.join(dir, 'out1');
    let text = '';
    await discoveryImageCommand(
      ['build', '-o', out, '--add-drivers', 'ice mlx5_core', '--add-drivers', 'bnxt_en'],
      (t) => (text += t),
      (o) => build(o.out, { addDrivers: o.addDrivers }),
    );
    const args = (await readFile(path.join(fake.record, 'args'), 'utf8')).trim().split('\n');
    expect(args.slice(0, 4)).toEqual(['--conf', '/dev/null', '--confdir', expect.stringMatching(/conf\.d$/)]);
    expect(args).toContain('--no-hostonly');
    expect(args).toContain('--no-hostonly-cmdline');
    expect(args[args.indexOf('--kver') + 1]).toBe('6.1.0-test');
    expect(args[args.indexOf('--modules') + 1]!.split(' ')).toEqual(
      expect.arrayContaining(['bash', 'base', 'kernel-network-modules', 'network-legacy', 'network', 'url-lib', 'kickstand']),
    );
    expect(args[args.indexOf('--add-drivers') + 1]!.split(' ')).toEqual(
      expect.arrayContaining(['virtio_net', 'bonding', '8021q', 'ice', 'mlx5_core', 'bnxt_en']),
    );
    expect(await readFile(path.join(out, 'initrd.img'), 'utf8')).toBe('initrd bytes');
    expect(await readFile(path.join(out, 'vmlinuz'), 'utf8')).toBe('MZ test kernel');
    expect(text).toMatch(/discovery image for kernel 6\.1\.0-test built in \d+ s/);
    expect(text).toContain(`${path.join(out, 'initrd.img')}  0.0 MiB (12 bytes)`);
    expect(text).toContain(`KICKSTAND_DISCOVERY_IMAGE_DIR=${out}`);
  });

  it('When it builds, then the module holds the shared shell files byte for byte, every system module is offered, and the temp base is gone afterwards', async () => {
    await build(path.join(dir, 'out2'));
    const files = (await readFile(path.join(fake.record, 'module-files'), 'utf8')).trim().split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        './module-setup.sh',
        './discover.sh',
        './parse-kickstand.sh',
        './kickstand-pre-mount.sh',
        ...SHARED_SHELL.map((f) => `./lib/${f}`),
      ]),
    );
    for (const f of SHARED_SHELL) {
      expect(await readFile(path.join(fake.record, 'module/lib', f), 'utf8'), f).toBe(
        await readFile(path.resolve('kickstarts/discovery', f), 'utf8'),
      );
    }
    const offered = (await readFile(path.join(fake.record, 'modules'), 'utf8')).trim().split('\n');
    expect(offered).toEqual(expect.arrayContaining([...readdirSync('/usr/lib/dracut/modules.d'), '95kickstand']));
    expect(existsSync((await readFile(path.join(fake.record, 'base'), 'utf8')).trim())).toBe(false);
    expect(readdirSync('/usr/lib/dracut/modules.d').filter((m) => m.includes('kickstand'))).toEqual([]);
  });

  it('When dracut fails, then the error ends with its message, nothing is published and the temp base is gone', async () => {
    const out = path.join(dir, 'out3');
    process.env.DRACUT_FAIL = '1';
    try {
      await expect(build(out)).rejects.toMatchObject({
        name: 'DiscoveryImageError',
        code: 'DRACUT_FAILED',
        message: expect.stringContaining('cannot install efivarfs'),
      });
    } finally {
      delete process.env.DRACUT_FAIL;
    }
    expect(readdirSync(out)).toEqual([]);
    expect(existsSync((await readFile(path.join(fake.record, 'base'), 'utf8')).trim())).toBe(false);
  });

  it('When the kernel, dracut or the network backend is missing, then the error says what to install or pass', async () => {
    await expect(build(path.join(dir, 'out4'), { kver: '9.9.9-none' })).rejects.toMatchObject({
      code: 'NO_KERNEL',
      message: expect.stringContaining('9.9.9-none'),
    });
    await expect(build(path.join(dir, 'out4'), { kver: '../../etc' })).rejects.toMatchObject({ code: 'NO_KERNEL' });
    await expect(build(path.join(dir, 'out4'), { dracutDir: path.join(dir, 'no-dracut') })).rejects.toMatchObject({ code: 'NO_DRACUT' });
    await expect(build(path.join(dir, 'out4'), { network: 'network-nonesuch' })).rejects.toMatchObject({
      code: 'NO_DRACUT',
      message: expect.stringContaining('network-nonesuch'),
    });
    await expect(build(path.join(dir, 'out4'), { dracut: path.join(dir, 'no-such-dracut') })).rejects.toMatchObject({ code: 'NO_DRACUT' });
  });

  it('When the command line is wrong, then a usage error names the problem', async () => {
    const never = () => Promise.reject(new Error('must not build'));
    for (const [argv, problem] of [
      [[], 'missing discovery-image command'],
      [['make'], 'unknown discovery-image command "make"'],
      [['build'], '-o DIR is required'],
      [['build', '-o', 'x', 'extra'], 'unexpected argument "extra"'],
      [['build', '-o', 'x', '--compress', 'lz4'], '--compress must be gzip, xz, zstd'],
      [['build', '-o', 'x', '--add-drivers', 'e1000e;reboot'], '"e1000e;reboot" is not a kernel module name'],
      [['build', '-o', 'x', '--network', 'nm; rm'], '--network must name a dracut network module'],
      [['build', '-o', 'x', '--bogus'], "Unknown option '--bogus'"],
    ] as const) {
      await expect(
        discoveryImageCommand([...argv], () => undefined, never),
        argv.join(' '),
      ).rejects.toMatchObject({
        name: 'UsageError',
        message: expect.stringContaining(problem),
      });
    }
  });
});

describe('discovery-image boot-config', () => {
  it('When an entry is asked on the command line, then it is the one GET /discovery/boot/{format} serves; a bad format, URL or profile is a usage error', async () => {
    let text = '';
    await discoveryImageCommand(
      ['boot-config', '--format', 'cmdline', '--url', 'http://192.0.2.10:8080/', '--profile', 'el9-web'],
      (t) => (text += t),
    );
    expect(text).toBe('ip=dhcp rd.neednet=1 kickstand.url=http://192.0.2.10:8080 kickstand.profile=el9-web\n');
    text = '';
    await discoveryImageCommand(['boot-config', '--format', 'grub', '--url', 'http://192.0.2.10:8080'], (t) => (text += t));
    expect(text).toContain('  linux (http,192.0.2.10,8080)/discovery/vmlinuz ip=dhcp rd.neednet=1 kickstand.url=http://192.0.2.10:8080\n');
    for (const [argv, problem] of [
      [['boot-config', '--format', 'pxelinux', '--url', 'http://192.0.2.10'], '--format must be one of ipxe, grub, uefi-http, cmdline'],
      [['boot-config', '--format', 'ipxe', '--url', 'http://x/$(id)'], 'must not contain quotes'],
      [['boot-config', '--format', 'ipxe', '--url', 'http://192.0.2.10', '--profile', 'a b'], '--profile must be a profile name'],
    ] as const) {
      await expect(
        discoveryImageCommand([...argv], () => undefined),
        argv.join(' '),
      ).rejects.toMatchObject({
        name: 'UsageError',
        message: expect.stringContaining(problem),
      });
    }
  });
});

describe('discovery-image build, with the real dracut', () => {
  it('When the real command builds the image, then the initramfs holds the hooks, the shared shell files as they are, and the commands they need', async () => {
    const image = await discoveryImage(async (out) => {
      let text = '';
      await discoveryImageCommand(['build', '-o', out], (t) => (text += t));
      return text;
    });
    if (!image.cached) expect(image.output).toMatch(/initrd\.img {2}\d+\.\d MiB/);
    const list = execFileSync('lsinitrd', [image.initrd], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    for (const f of [
      'usr/lib/dracut/hooks/pre-mount/50-kickstand-pre-mount.sh',
      'usr/lib/dracut/hooks/cmdline/90-parse-kickstand.sh',
      'usr/lib/kickstand/discover.sh',
      'usr/sbin/kexec',
      'usr/bin/curl',
      'usr/sbin/dhclient',
      'usr/bin/lscpu',
      'usr/bin/lsblk',
      'efivarfs.ko',
      'bonding.ko',
    ]) {
      expect(list, f).toContain(f);
    }
    for (const f of SHARED_SHELL) {
      const inImage = execFileSync('lsinitrd', ['-f', `usr/lib/kickstand/${f}`, image.initrd], { maxBuffer: 16 * 1024 * 1024 });
      expect(inImage.toString(), f).toBe(await readFile(path.resolve('kickstarts/discovery', f), 'utf8'));
    }
    // Built without leaving anything in the system's dracut.
    expect(readdirSync('/usr/lib/dracut/modules.d').filter((m) => m.includes('kickstand'))).toEqual([]);
  }, 900_000);
});
