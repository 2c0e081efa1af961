// The real service in a process of its own (`kickstand serve`, from src/ through tsx: no build needed),
// for the fault tests: a kill -9 must hit a separate process, a service that is stopped must free its
// port while the machines keep polling it, a start on a damaged data dir must exit with its code and
// message, and EACCES needs a service that is not root (root ignores permission bits). The process
// leads its own process group (tsx keeps an esbuild helper beside node), so kill() reaches both and
// leaves nothing behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import path from 'node:path';
import { NODE_FLAGS } from '../../src/node-flags.js';

export const FAULT_ADMIN_TOKEN = 'fault-admin-token-0123456789';

export interface ServiceProcessOptions {
  dataDir: string;
  /** Fixed port (a restart on the same port); default: a free one picked now. */
  port?: number;
  /** KICKSTAND_POLL_INTERVAL, seconds (default 5, the service's own default). */
  pollInterval?: number;
  templatesDir?: string;
  /** More environment (KICKSTAND_LOG_LEVEL and the like). */
  env?: Record<string, string>;
  /** How long the store may take to load before the start counts as failed (default 60 s). */
  readyTimeoutMs?: number;
  /** Run as this user (and `gid`, default the same number): a service that permission bits apply to. */
  uid?: number;
  gid?: number;
  /** node's flags (default: the service's own, src/node-flags.ts). */
  nodeFlags?: readonly string[];
}

export interface ServiceExit {
  /** Exit code; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  url: string;
  port: number;
  dataDir: string;
  pid: number;
  child: ChildProcess;
  /** Milliseconds from spawn to accepting connections (the store is loaded before the port opens). */
  startupMs: number;
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<ServiceExit>;
  /** What the process wrote so far (the last 100 KB or more of each). */
  stdout(): string;
  stderr(): string;
  /** The JSON log lines among stdout's. */
  logs(): Record<string, unknown>[];
  /** Send `signal` to the whole process group and wait for the service process to exit. */
  kill(signal?: NodeJS.Signals): Promise<ServiceExit>;
  /** Admin API call with the fault tests' admin token. */
  admin(method: string, route: string, body?: unknown): Promise<Response>;
}

/** What startServiceProcess rejects with when the process exits before it listens: how it ended and
 *  all it wrote (a refused start's message is on stderr). */
export class ServiceStartFailed extends Error {
  constructor(
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`the service exited during start-up (code ${code}, signal ${signal}):\n${stderr}${stdout}`);
    this.name = 'ServiceStartFailed';
  }
}

/** A port nobody listens on right now (the kernel's pick for port 0, released at once). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** Starts the service and resolves once it answers; rejects with ServiceStartFailed if it exits first. */
export async function startServiceProcess(opts: ServiceProcessOptions): Promise<ServiceProcess> {
  const port = opts.port ?? (await freePort());
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    PORT: String(port),
    KICKSTAND_BIND: '127.0.0.1',
    KICKSTAND_DATA: opts.dataDir,
    KICKSTAND_TEMPLATES: opts.templatesDir ?? path.resolve('kickstarts'),
    KICKSTAND_ADMIN_TOKEN: FAULT_ADMIN_TOKEN,
    KICKSTAND_ADMIN_PASSWORD: 'fault-admin-password',
    KICKSTAND_POLL_INTERVAL: String(opts.pollInterval ?? 5),
    KICKSTAND_LOG_LEVEL: 'warn',
    ...opts.env,
  };
  const started = performance.now();
  const child = spawn(process.execPath, [...(opts.nodeFlags ?? NODE_FLAGS), '--import', 'tsx', path.resolve('src/main.ts'), 'serve'], {
    env,
    detached: true, // its own process group: kill() reaches tsx's esbuild helper too
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid ?? opts.uid } : {}),
  });
  const stdout = keptOutput(child.stdout);
  const stderr = keptOutput(child.stderr);
  const exited = new Promise<ServiceExit>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  // 'close' comes once stdout and stderr are read to their end, which 'exit' does not wait for.
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const pid = child.pid!;
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };

  // Ready once the port accepts a connection: the service opens it only after the store has loaded.
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  let gone = false;
  void exited.then(() => (gone = true));
  let startupMs: number | undefined;
  while (startupMs === undefined) {
    if (gone) {
      const { code, signal } = await exited;
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
      killGroup('SIGKILL');
      throw new ServiceStartFailed(code, signal, stdout.text(), stderr.text());
    }
    if (Date.now() > deadline) {
      killGroup('SIGKILL');
      await exited;
      throw new Error(`the service did not open port ${port} within ${opts.readyTimeoutMs ?? 60_000} ms\n${stderr.text()}${stdout.text()}`);
    }
    if (await accepts(port)) startupMs = performance.now() - started;
    else await new Promise((r) => setTimeout(r, 25));
  }
  const url = `http://127.0.0.1:${port}`;
  // One answered request before anyone is told: the process is past start-up (its signal handlers are
  // set only after the port opens, and a SIGTERM before them would kill it instead of stopping it).
  await (await fetch(`${url}/ks`)).arrayBuffer();
  return {
    url,
    port,
    dataDir: opts.dataDir,
    pid,
    child,
    startupMs,
    exited,
    stdout: stdout.text,
    stderr: stderr.text,
    logs: () =>
      stdout
        .text()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) killGroup(signal);
      const result = await exited;
      // A SIGTERM'd service exits by itself; its esbuild helper must not outlive it either.
      killGroup('SIGKILL');
      return result;
    },
    admin: (method, route, body) =>
      fetch(`${url}${route}`, {
        method,
        headers: { Authorization: `Bearer ${FAULT_ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
  };
}

/** The exit of a start that must fail; a service that starts instead is stopped and the call rejects. */
export async function failedStart(opts: ServiceProcessOptions): Promise<ServiceStartFailed> {
  let svc: ServiceProcess;
  try {
    svc = await startServiceProcess(opts);
  } catch (err) {
    if (err instanceof ServiceStartFailed) return err;
    throw err;
  }
  await svc.kill();
  throw new Error(`the service started on ${opts.dataDir}, where its start should have failed`);
}

/** A stream's text, kept to its last 100 KB or more (a kill storm's service writes a lot), cut at a line. */
function keptOutput(stream: NodeJS.ReadableStream): { text: () => string } {
  let out = '';
  stream.on('data', (b: Buffer) => {
    out += b.toString();
    if (out.length > 200_000) {
      const cut = out.indexOf('\n', out.length - 100_000);
      out = cut === -1 ? out.slice(-100_000) : out.slice(cut + 1);
    }
  });
  return { text: () => out };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** A small seeded PRNG (mulberry32): fault points that a printed seed reproduces. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed for this run: KICKSTAND_FAULT_SEED if set (to replay a failure), else a fresh one. */
export function faultSeed(): number {
  const fixed = process.env.KICKSTAND_FAULT_SEED;
  if (fixed && /^\d+$/.test(fixed)) return Number(fixed) >>> 0;
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}
