// Test fixtures for the product.img builder: real rpms built by rpmbuild from a tiny spec, temp
// dirs, and the real cpio/rpm2cpio tools to check our output against.
import { expect } from 'vitest';
import { ProductImgError } from '../../src/product-img/errors.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, lstatSync, readlinkSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

export type Payload = 'w9.gzdio' | 'w6.xzdio' | 'w19.zstdio' | 'w9.lzdio' | 'w0.ufdio';

const made: string[] = [];

export function tempDir(prefix = 'kickstand-pimg-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

export function cleanupTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** The tools the tests compare against; CI installs them, so a missing one is a failure, not a skip.
 *  `root`: the file unpacks images the way dracut does, and `cpio -iumd` keeps the archive's owners
 *  only for root; as anyone else every file is theirs and an owner check would compare nothing. */
export function requireTools(opts: { root?: boolean } = {}): void {
  for (const t of ['/usr/bin/rpmbuild', '/usr/bin/rpm2cpio', '/usr/bin/rpm2archive', '/usr/bin/cpio', '/usr/bin/xz', '/usr/bin/zstd', '/usr/bin/readelf', '/usr/sbin/kexec']) {
    if (!existsSync(t)) throw new Error(`${t} is required by the product.img tests (install rpm, cpio, xz-utils, zstd, binutils, kexec-tools)`);
  }
  if (opts.root && process.getuid?.() !== 0) {
    throw new Error('these tests unpack as dracut does: run as root (cpio -iumd keeps owners only for root)');
  }
}

export function sh(cmd: string, cwd?: string): Buffer {
  return execFileSync('/bin/sh', ['-c', cmd], { cwd, maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface RpmOptions {
  /** Package name (default kstest): lets two packages differ. */
  name?: string;
  /** Where kexec (a copy of /usr/sbin/kexec) goes: EL and Fedora < 42 put it in usr/sbin, Fedora ≥ 42
   *  in usr/bin (the sbin merge); 'none' packs a shell script usr/sbin/tool instead. Default sbin. */
  kexec?: 'sbin' | 'bin' | 'none';
  /** Adds a 4 GiB sparse %ghost file: rpm ≥ 4.12 then lists sizes in LONGFILESIZES and writes the
   *  payload in its stripped cpio format (07070X), though no byte of that file is stored. */
  large?: boolean;
  /** Adds /.buildstamp (as a branding package could). */
  buildstamp?: boolean;
}

/** Builds kstest-1.0-1.x86_64.rpm: a 0755 binary, a symlink, a 0644 file in a nested dir, a hard
 *  link, a library and its soname symlink. */
export function buildRpm(dir: string, payload: Payload, opts: RpmOptions = {}): string {
  const name = opts.name ?? 'kstest';
  const kexec = opts.kexec ?? 'sbin';
  const bin = kexec === 'none' ? '/usr/sbin/tool' : `/usr/${kexec}/kexec`;
  const variant = [name, payload, kexec, opts.large ? 'large' : '', opts.buildstamp ? 'stamp' : ''].filter(Boolean).join('-');
  const top = join(dir, `top-${variant}`);
  const spec = join(dir, `${variant}.spec`);
  writeFileSync(
    spec,
    `Name: ${name}
Version: 1.0
Release: 1
Summary: product.img test package
License: MIT
BuildArch: x86_64
%define _binary_payload ${payload}
%define _build_id_links none
%define debug_package %{nil}
%define __os_install_post %{nil}
%description
Test.
%install
mkdir -p %{buildroot}/usr/sbin %{buildroot}/usr/bin %{buildroot}/usr/lib64 %{buildroot}/usr/share/${name}/sub/deeper
${kexec === 'none' ? `printf "#!/bin/sh\\necho tool\\n" > %{buildroot}${bin}` : `cp /usr/sbin/kexec %{buildroot}${bin}`}
ln -s ${relative('/usr/bin', bin)} %{buildroot}/usr/bin/${name}-link
printf 'hello from ${name}\\n' > %{buildroot}/usr/share/${name}/sub/deeper/data.txt
ln %{buildroot}/usr/share/${name}/sub/deeper/data.txt %{buildroot}/usr/share/${name}/hard.txt
printf 'not really a library\\n' > %{buildroot}/usr/lib64/lib${name}.so.1.0
ln -s lib${name}.so.1.0 %{buildroot}/usr/lib64/lib${name}.so.1
${opts.large ? `truncate -s 4G %{buildroot}/usr/share/${name}/large.img` : ''}
${opts.buildstamp ? `printf '[Main]\\nProduct=Kstest\\n' > %{buildroot}/.buildstamp` : ''}
%files
%defattr(-,root,root,0755)
%attr(0755,root,root) ${bin}
/usr/bin/${name}-link
%attr(0644,root,root) /usr/lib64/lib${name}.so.1.0
/usr/lib64/lib${name}.so.1
%dir /usr/share/${name}
%attr(0644,root,root) /usr/share/${name}/sub/deeper/data.txt
%attr(0644,root,root) /usr/share/${name}/hard.txt
%dir /usr/share/${name}/sub
%dir /usr/share/${name}/sub/deeper
${opts.large ? `%ghost %attr(0644,root,root) /usr/share/${name}/large.img` : ''}
${opts.buildstamp ? '%attr(0644,root,root) /.buildstamp' : ''}
`,
  );
  execFileSync('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, spec], { stdio: ['ignore', 'pipe', 'pipe'] });
  const rpmDir = join(top, 'RPMS', 'x86_64');
  const file = readdirSync(rpmDir).find((f) => f.endsWith('.rpm'));
  if (!file) throw new Error(`rpmbuild made no rpm in ${rpmDir}`);
  return join(rpmDir, file);
}

export interface TreeFile {
  mode: number;
  uid: number;
  gid: number;
  data?: Buffer;
  link?: string;
}

/** Walks an unpacked tree: path → type, mode, owner, bytes or link target. */
export function readTree(root: string): Map<string, TreeFile> {
  const out = new Map<string, TreeFile>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = lstatSync(p);
      const rel = relative(root, p);
      const base = { mode: st.mode, uid: st.uid, gid: st.gid };
      if (st.isSymbolicLink()) out.set(rel, { ...base, link: readlinkSync(p) });
      else if (st.isDirectory()) {
        out.set(rel, base);
        walk(p);
      } else out.set(rel, { ...base, data: readFileSync(p) });
    }
  };
  walk(root);
  return out;
}

/** Unpacks an rpm the reference way: rpm2cpio | cpio -idm. */
export function unpackRpm(rpm: string, into: string): Map<string, TreeFile> {
  sh(`rpm2cpio '${rpm}' | cpio -idm --quiet`, into);
  return readTree(into);
}

/** Unpacks a product.img the way dracut's anaconda-lib does: decompress | cpio -iumd. */
export function unpackImage(img: string, into: string): Map<string, TreeFile> {
  const xz = readFileSync(img).subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  sh(`${xz ? 'xz' : 'gzip'} -dc '${img}' | cpio -iumd --quiet`, into);
  return readTree(into);
}

/** Offsets of an rpm's parts, found independently of the code under test. */
export function rpmLayout(buf: Buffer): { sigStart: number; mainStart: number; payloadStart: number } {
  const headerEnd = (at: number) => at + 16 + buf.readUInt32BE(at + 8) * 16 + buf.readUInt32BE(at + 12);
  const sigEnd = headerEnd(96);
  const mainStart = sigEnd + ((8 - (sigEnd % 8)) % 8);
  return { sigStart: 96, mainStart, payloadStart: headerEnd(mainStart) };
}

/** The ProductImgError a promise rejects with (fails the test if it resolves or throws another). */
export async function failure(p: Promise<unknown>): Promise<ProductImgError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProductImgError);
  return err as ProductImgError;
}
