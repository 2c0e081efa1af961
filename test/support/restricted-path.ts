// A PATH that holds only what Anaconda's install image has (test/fixtures/anaconda-tools.txt), so a
// %pre that calls anything else fails here as it would on a real machine. Commands that would act on
// this machine (kexec, reboot, poweroff, systemctl) are replaced by stubs that record their arguments.
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Commands replaced by recording stubs: the tests must never reboot or kexec the machine they run on,
 *  nor partition its disks or touch its UEFI boot entries (the stage action's tools). */
export const RECORDED_COMMANDS = [
  'kexec',
  'reboot',
  'poweroff',
  'halt',
  'systemctl',
  'efibootmgr',
  'sgdisk',
  'sfdisk',
  'mkfs.vfat',
  'grub2-install',
  'grub-install',
] as const;

export const TOOLS_FILE = path.resolve('test/fixtures/anaconda-tools.txt');

export interface AllowedTools {
  /** Every command the %pre may rely on. */
  required: string[];
  /** Commands that may be missing on some architectures or releases (must sit behind `command -v`). */
  optional: string[];
  /** Named in the list's "Not present (never use)" comment. */
  forbidden: string[];
}

export function allowedTools(file = TOOLS_FILE): AllowedTools {
  const required: string[] = [];
  const optional: string[] = [];
  let forbidden: string[] = [];
  let inOptional = false;
  const lines = readFileSync(file, 'utf8').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (/^#\s*optional/i.test(line)) {
      inOptional = true;
      continue;
    }
    const never = /^#\s*Not present \(never use\):\s*(.*)$/.exec(line);
    if (never) {
      forbidden = never[1]!.split(/\s+/).filter(Boolean);
      // The next comment line continues the list: "and the printf/test/[ binaries".
      continue;
    }
    if (!line || line.startsWith('#')) continue;
    (inOptional ? optional : required).push(line);
  }
  return { required, optional, forbidden };
}

/** Where a command lives on this machine (PATH plus the sbin folders a non-login PATH may lack). */
export function whichOnHost(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const full = path.join(dir, name);
    if (existsSync(full)) return full;
  }
  return undefined;
}

export function hostBash(): string {
  const bash = whichOnHost('bash');
  if (!bash) throw new Error('bash is not installed');
  return bash;
}

export interface RestrictedPath {
  /** The folder to use as the whole PATH. */
  binDir: string;
  /** Allowed commands found on this machine (linked into binDir, stubs aside). */
  present: string[];
  /** Allowed commands this machine lacks: the %pre must cope without them. */
  missing: string[];
  /** The file a recording stub appends to: one line per call, "call" then a tab before each argument. */
  recordFile(name: string): string;
  /** The calls a recording stub has seen so far, each as its argument list. */
  calls(name: string): Promise<string[][]>;
  cleanup(): Promise<void>;
}

export interface RestrictedPathOptions {
  /** Extra stubs: name → bash body (runs with the stub's arguments; its calls are recorded too). */
  stubs?: Record<string, string>;
  /** Commands to leave out, as on a machine that lacks them (also drops their recording stubs). */
  without?: string[];
}

/**
 * Builds the bin folder. Recording stubs exit with `$STUB_EXIT_<name>` (default 0), so a test can make
 * `kexec` or `systemctl` fail by setting that variable in the script's environment.
 */
export async function makeRestrictedPath(opts: RestrictedPathOptions = {}): Promise<RestrictedPath> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'kickstand-path-'));
  const binDir = path.join(root, 'bin');
  const recordDir = path.join(root, 'calls');
  await mkdir(binDir);
  await mkdir(recordDir);
  const bash = hostBash();
  const tools = allowedTools();
  const without = new Set(opts.without ?? []);
  const stubbed = new Set<string>([...RECORDED_COMMANDS, ...Object.keys(opts.stubs ?? {})].filter((n) => !without.has(n)));
  const present: string[] = [];
  const missing: string[] = [];

  for (const name of [...tools.required, ...tools.optional]) {
    if (stubbed.has(name) || without.has(name)) continue;
    const real = whichOnHost(name);
    if (!real) {
      missing.push(name);
      continue;
    }
    await symlink(real, path.join(binDir, name));
    present.push(name);
  }

  const recordFile = (name: string) => path.join(recordDir, `${name}.calls`);
  for (const name of stubbed) {
    const body = opts.stubs?.[name] ?? `exit "\${STUB_EXIT_${name}:-0}"`;
    const script = [
      `#!${bash}`,
      `# Test stub for ${name}: records its arguments, acts on nothing.`,
      `{ printf 'call'; for a in "$@"; do printf '\\t%s' "$a"; done; printf '\\n'; } >> '${recordFile(name)}'`,
      body,
      '',
    ].join('\n');
    const file = path.join(binDir, name);
    await writeFile(file, script);
    await chmod(file, 0o755);
  }

  return {
    binDir,
    present,
    missing,
    recordFile,
    async calls(name) {
      const text = await readFile(recordFile(name), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((l) => l.startsWith('call'))
        .map((l) => l.split('\t').slice(1));
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
