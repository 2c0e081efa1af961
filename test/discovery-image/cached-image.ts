// The discovery image as `kickstand discovery-image build` makes it, cached under a hash of everything
// that goes in (dracut takes over a minute): the module, the shared shell files, the build code, the
// kernel and dracut. Used by the CLI test (which runs the real command on a cache miss) and the VM test.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { findKernel, SHARED_SHELL } from '../../src/discovery-image/build.js';
import { VM_CACHE_DIR } from '../vm/initramfs.js';

export interface CachedImage {
  dir: string;
  vmlinuz: string;
  initrd: string;
  kver: string;
  cached: boolean;
  /** What the build printed (empty when cached). */
  output: string;
  buildMs: number;
}

const MODULE_DIR = path.resolve('dracut/95kickstand');
const SHELL_DIR = path.resolve('kickstarts/discovery');

function dracutVersion(): string {
  try {
    return execFileSync('dracut', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'none';
  }
}

/** Hash of every input of the build. */
export async function imageKey(): Promise<{ key: string; kver: string }> {
  const { kver, kernel } = await findKernel(undefined);
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ kver, dracut: dracutVersion() }));
  hash.update(readFileSync(kernel));
  hash.update(readFileSync(path.resolve('src/discovery-image/build.ts')));
  for (const f of readdirSync(MODULE_DIR).sort()) hash.update(`${f}\0`).update(readFileSync(path.join(MODULE_DIR, f)));
  for (const f of SHARED_SHELL) hash.update(`${f}\0`).update(readFileSync(path.join(SHELL_DIR, f)));
  return { key: hash.digest('hex').slice(0, 16), kver };
}

/** The cached image, or a fresh one built by `run(outDir)` (the CLI) into a temp folder, then moved. */
export async function discoveryImage(run: (out: string) => Promise<string>): Promise<CachedImage> {
  const { key, kver } = await imageKey();
  const dir = path.join(VM_CACHE_DIR, `discovery-image-${kver}-${key}`);
  const files = { vmlinuz: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img') };
  if (existsSync(files.initrd) && existsSync(files.vmlinuz)) return { dir, ...files, kver, cached: true, output: '', buildMs: 0 };
  await mkdir(VM_CACHE_DIR, { recursive: true });
  const stage = await mkdtemp(path.join(VM_CACHE_DIR, 'discovery-stage-'));
  const started = Date.now();
  try {
    const output = await run(stage);
    await rm(dir, { recursive: true, force: true });
    await rename(stage, dir);
    return { dir, ...files, kver, cached: false, output, buildMs: Date.now() - started };
  } catch (err) {
    await rm(stage, { recursive: true, force: true });
    throw err;
  }
}
