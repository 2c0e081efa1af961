// Secure Boot for the VM test: Debian 12's ovmf ships a Secure Boot build of OVMF and a variable store
// with its "snakeoil" test key enrolled as PK, KEK and db (Secure Boot on), plus that key and its
// certificate. Debian's kernel is signed for shim (Debian Secure Boot CA), which this db does not hold,
// so the test boots (and kexecs) the same kernel re-signed with the snakeoil key. The signed kernel is
// cached next to the initramfs under a hash of what goes in.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VM_CACHE_DIR } from './initramfs.js';

/** OVMF_CODE_4M.snakeoil.fd is a link to the SMM build (OVMF_CODE_4M.secboot.fd). */
export const OVMF_SB_CODE = '/usr/share/OVMF/OVMF_CODE_4M.snakeoil.fd';
/** PK, KEK and db: the snakeoil certificate; Secure Boot enabled. */
export const OVMF_SB_VARS = '/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd';
/** The snakeoil key (PKCS#8, encrypted with the passphrase "snakeoil": /usr/share/doc/ovmf/README.Debian). */
export const SNAKEOIL_KEY = '/usr/share/ovmf/PkKek-1-snakeoil.key';
export const SNAKEOIL_CERT = '/usr/share/ovmf/PkKek-1-snakeoil.pem';

export interface SignedKernel {
  path: string;
  cached: boolean;
  ms: number;
}

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}

/**
 * `kernel` with its signatures removed and signed with the snakeoil key alone (sbattach --remove,
 * sbsign), so that OVMF's db check and the guest kernel's kexec_file_load check can only pass through
 * the snakeoil certificate. sbsign reads the key unencrypted: openssl decrypts it into the stage folder.
 */
export async function snakeoilKernel(kernel: string): Promise<SignedKernel> {
  const hash = createHash('sha256');
  hash.update(readFileSync(kernel));
  hash.update(readFileSync(SNAKEOIL_CERT));
  hash.update(readFileSync(SNAKEOIL_KEY));
  hash.update(execFileSync('dpkg-query', ['-W', '-f=${Version}', 'sbsigntool']));
  const out = path.join(VM_CACHE_DIR, `${path.basename(kernel)}-snakeoil-${hash.digest('hex').slice(0, 16)}.efi`);
  if (existsSync(out)) return { path: out, cached: true, ms: 0 };

  const started = Date.now();
  await mkdir(VM_CACHE_DIR, { recursive: true });
  const stage = await mkdtemp(path.join(VM_CACHE_DIR, 'sign-'));
  try {
    const key = path.join(stage, 'snakeoil.key');
    await writeFile(key, '', { mode: 0o600 });
    run('openssl', ['pkey', '-in', SNAKEOIL_KEY, '-passin', 'pass:snakeoil', '-out', key]);
    const unsigned = path.join(stage, 'vmlinuz');
    await copyFile(kernel, unsigned);
    if (/signature \d+/.test(run('sbverify', ['--list', unsigned]))) run('sbattach', ['--remove', unsigned]);
    const signed = path.join(stage, 'vmlinuz.signed');
    run('sbsign', ['--key', key, '--cert', SNAKEOIL_CERT, '--output', signed, unsigned]);
    run('sbverify', ['--cert', SNAKEOIL_CERT, signed]);
    await rename(signed, out);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  return { path: out, cached: false, ms: Date.now() - started };
}
