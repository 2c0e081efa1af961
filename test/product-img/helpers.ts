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

/** The tools the tests compare against; CI installs them, so a missing one is a failure, not a skip. */
export function requireTools(): void {
  for (const t of ['/usr/bin/rpmbuild', '/usr/bin/rpm2cpio', '/usr/bin/cpio', '/usr/bin/xz', '/usr/bin/readelf', '/usr/sbin/kexec']) {
    if (!existsSync(t)) throw new Error(`${t} is required by the product.img tests (install rpm, cpio, xz-utils, binutils, kexec-tools)`);
  }
}

export function sh(cmd: string, cwd?: string): Buffer {
  return execFileSync('/bin/sh', ['-c', cmd], { cwd, maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Builds kstest-1.0-1.x86_64.rpm: a 0755 binary, a symlink, a 0644 file in a nested dir, a hard
 *  link, a library and its soname symlink. `name` lets two packages differ. */
export function buildRpm(dir: string, payload: Payload, opts: { name?: string; withKexec?: boolean } = {}): string {
  const name = opts.name ?? 'kstest';
  const withKexec = opts.withKexec ?? true;
  const top = join(dir, `top-${name}-${payload}`);
  const spec = join(dir, `${name}-${payload}.spec`);
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
${withKexec ? 'cp /usr/sbin/kexec %{buildroot}/usr/sbin/kexec' : 'printf "#!/bin/sh\\necho tool\\n" > %{buildroot}/usr/sbin/tool'}
ln -s ../sbin/${withKexec ? 'kexec' : 'tool'} %{buildroot}/usr/bin/${name}-link
printf 'hello from ${name}\\n' > %{buildroot}/usr/share/${name}/sub/deeper/data.txt
ln %{buildroot}/usr/share/${name}/sub/deeper/data.txt %{buildroot}/usr/share/${name}/hard.txt
printf 'not really a library\\n' > %{buildroot}/usr/lib64/lib${name}.so.1.0
ln -s lib${name}.so.1.0 %{buildroot}/usr/lib64/lib${name}.so.1
%files
%defattr(-,root,root,0755)
%attr(0755,root,root) /usr/sbin/${withKexec ? 'kexec' : 'tool'}
/usr/bin/${name}-link
%attr(0644,root,root) /usr/lib64/lib${name}.so.1.0
/usr/lib64/lib${name}.so.1
%dir /usr/share/${name}
%attr(0644,root,root) /usr/share/${name}/sub/deeper/data.txt
%attr(0644,root,root) /usr/share/${name}/hard.txt
%dir /usr/share/${name}/sub
%dir /usr/share/${name}/sub/deeper
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

/** Rewrites the signature's size of header + payload (RPMSIGTAG_SIZE), after a test swapped the payload. */
export function setSignatureSize(buf: Buffer, size: number): void {
  const il = buf.readUInt32BE(96 + 8);
  const data = 96 + 16 + il * 16;
  for (let i = 0; i < il; i++) {
    const at = 96 + 16 + i * 16;
    if (buf.readUInt32BE(at) === 1000) buf.writeUInt32BE(size, data + buf.readInt32BE(at + 8));
  }
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
