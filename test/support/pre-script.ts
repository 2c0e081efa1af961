// Runs the stub kickstart's %pre the way Anaconda does (bash, a file of its own), but under the
// restricted PATH and with the test knobs, and reads the machine it runs on for comparison.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createKickstartEnvironment } from '../../src/kickstart/render/environment.js';
import { hostBash, makeRestrictedPath, type RestrictedPath } from './restricted-path.js';

export const KICKSTARTS_DIR = path.resolve('kickstarts');

/** The lines between the `%pre` line and the next `%end`, as Anaconda writes them to its script file. */
export function extractPre(stub: string): string {
  const lines = stub.split('\n');
  const start = lines.findIndex((l) => /^%pre(\s|$)/.test(l));
  if (start < 0) throw new Error('no %pre section in the stub');
  const end = lines.findIndex((l, i) => i > start && /^%end\s*$/.test(l));
  if (end < 0) throw new Error('the %pre section has no %end');
  return `${lines.slice(start + 1, end).join('\n')}\n`;
}

/** The body of the section whose header line is exactly `header` (e.g. "%post --nochroot"). */
export function extractSection(ks: string, header: string): string {
  const lines = ks.split('\n');
  const start = lines.findIndex((l) => l.trimEnd() === header);
  if (start < 0) throw new Error(`no "${header}" section`);
  const end = lines.findIndex((l, i) => i > start && /^%end\s*$/.test(l));
  if (end < 0) throw new Error(`the "${header}" section has no %end`);
  return `${lines.slice(start + 1, end).join('\n')}\n`;
}

/** kickstarts/stub.ks.njk rendered exactly as GET /ks renders it, for `url`. */
export function renderStub(url: string): string {
  const env = createKickstartEnvironment(KICKSTARTS_DIR, { watch: false });
  try {
    return env.render('stub.ks.njk', { kickstand: { url } });
  } finally {
    env.close();
  }
}

/** A temp folder for one run: the script file, the state dir, the include, the cmdline file. */
export interface PreWorkspace {
  dir: string;
  script: string;
  ksOut: string;
  stateDir: string;
  cmdline: string;
  /** The knobs that point the script at this workspace (VT disabled). */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function preWorkspace(preBody: string, cmdline = 'BOOT_IMAGE=vmlinuz inst.ks=http://127.0.0.1/ks'): Promise<PreWorkspace> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-pre-'));
  const ws: PreWorkspace = {
    dir,
    script: path.join(dir, 'ks-script-test'),
    ksOut: path.join(dir, 'kickstand.ks'),
    stateDir: path.join(dir, 'state'),
    cmdline: path.join(dir, 'cmdline'),
    env: {},
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  // KICKSTAND_LLDP_WAIT=0: this machine's NICs have carrier and hear no LLDP; tests of LLDP set it.
  ws.env = {
    KICKSTAND_KS_OUT: ws.ksOut,
    KICKSTAND_STATE_DIR: ws.stateDir,
    KICKSTAND_CMDLINE: ws.cmdline,
    KICKSTAND_VT: 'none',
    KICKSTAND_LLDP_WAIT: '0',
  };
  await writeFile(ws.script, preBody);
  await writeFile(ws.cmdline, `${cmdline}\n`);
  return ws;
}

/** The rendered %pre in a workspace plus a restricted PATH: what tests that source the script need. */
export async function sourcedPre(
  url = 'http://127.0.0.1:9',
): Promise<{ ws: PreWorkspace; bin: RestrictedPath; cleanup: () => Promise<void> }> {
  const bin = await makeRestrictedPath();
  const ws = await preWorkspace(extractPre(renderStub(url)));
  return {
    ws,
    bin,
    cleanup: async () => {
      await ws.cleanup();
      await bin.cleanup();
    },
  };
}

export interface PreRun {
  child: ChildProcess;
  /** Resolves when bash exits (never rejects). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

/** The environment a %pre sees: only PATH (the restricted one), HOME, a UTF-8 locale and `env`. */
export function preEnv(binDir: string, env: Record<string, string> = {}): Record<string, string> {
  return { PATH: binDir, HOME: os.tmpdir(), LANG: 'C.UTF-8', ...env };
}

/** Wait for the script to exit; kill it (and fail the wait's caller's expectations) after `timeoutMs`. */
export async function exitOf(run: PreRun, timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  try {
    return await run.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Start `bash script` under the restricted PATH. */
export function runPre(script: string, binDir: string, env: Record<string, string> = {}, stdin?: Buffer): PreRun {
  const child = spawn(hostBash(), [script], { env: preEnv(binDir, env), stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  child.stdin.on('error', () => undefined);
  child.stdin.end(stdin ?? '');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, exited, stdout: () => out, stderr: () => err };
}

export interface BashResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Source the %pre without running main (KICKSTAND_SOURCE_ONLY=1), then run `snippet` in the same
 * bash: how the tests call single functions such as json_str or gather_facts.
 */
export async function runSourced(
  preFile: string,
  snippet: string,
  binDir: string,
  env: Record<string, string> = {},
  stdin?: Buffer,
): Promise<BashResult> {
  const runner = `${path.dirname(preFile)}/runner-${process.pid}-${Math.random().toString(36).slice(2)}.sh`;
  await writeFile(runner, `KICKSTAND_SOURCE_ONLY=1\nsource ${shq(preFile)} || exit 99\n${snippet}\n`);
  const child = spawn(hostBash(), [runner], { env: preEnv(binDir, env), stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  child.stdin.on('error', () => undefined);
  child.stdin.end(stdin ?? '');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  await rm(runner, { force: true });
  return { code, stdout: Buffer.concat(out), stderr: err };
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** What the facts of this machine must say, read independently of the script. */
export interface MachineFacts {
  nics: { name: string; mac: string }[];
  memoryMib: number;
  arch: string;
  disks: string[];
}

export function machineFacts(): MachineFacts {
  const nics = readdirSync('/sys/class/net')
    .filter((name) => name !== 'lo')
    .map((name) => ({ name, mac: readFileSync(`/sys/class/net/${name}/address`, 'utf8').trim().toLowerCase() }))
    .filter((n) => /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(n.mac) && n.mac !== '00:00:00:00:00:00')
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const memTotalKb = Number(/^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
  const disks = execFileSync('lsblk', ['-d', '-n', '-o', 'NAME,TYPE'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([name, type]) => name && type === 'disk' && !/^(zram|loop|ram)/.test(name))
    .map(([name]) => name!);
  return { nics, memoryMib: Math.floor(memTotalKb / 1024), arch: os.machine(), disks };
}

/** The interface of the default route on this machine, as `ip` reports it (the expected boot NIC). */
export function defaultRouteDev(): string | undefined {
  for (const family of ['-4', '-6']) {
    try {
      const out = execFileSync('ip', [family, '-o', 'route', 'show', 'default'], { encoding: 'utf8' });
      const m = /\bdev\s+(\S+)/.exec(out);
      if (m) return m[1];
    } catch {
      // no ip, or no route of this family
    }
  }
  return undefined;
}

/** A machine booting the stub: fetch GET /ks from `url`, run its %pre under the installer's commands
 *  (with `cmdline` as its /proc/cmdline, if given). Every resource it makes goes on `cleanups` (run
 *  them in reverse when the test is done). */
export async function bootStub(
  url: string,
  cleanups: (() => Promise<unknown>)[],
  cmdline?: string,
): Promise<{ ws: PreWorkspace; run: PreRun }> {
  const { makeRestrictedPath } = await import('./restricted-path.js');
  const stub = await (await fetch(`${url}/ks`)).text();
  const ws = await preWorkspace(extractPre(stub), cmdline);
  cleanups.push(() => ws.cleanup());
  const bin = await makeRestrictedPath();
  cleanups.push(() => bin.cleanup());
  const run = runPre(ws.script, bin.binDir, { ...ws.env, KICKSTAND_LINK_WAIT: '1' });
  cleanups.push(async () => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await run.exited;
  });
  return { ws, run };
}
