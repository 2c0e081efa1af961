// The real service in a process of its own, started from src/ through tsx (no build needed), for the
// fault tests: a kill -9 must hit a separate process, and a service that is stopped must free its port
// while the machines keep polling it. The process leads its own process group (tsx keeps an esbuild
// helper beside node), so kill() reaches both and leaves nothing behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import path from 'node:path';

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
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the process wrote to stderr and stdout so far. */
  output(): string;
  /** Send `signal` to the whole process group and wait for the service process to exit. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Admin API call with the fault tests' admin token. */
  admin(method: string, route: string, body?: unknown): Promise<Response>;
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
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/main.ts'), 'serve'], {
    env,
    detached: true, // its own process group: kill() reaches tsx's esbuild helper too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
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
  for (;;) {
    if (gone) throw new Error(`the service exited during start-up: ${JSON.stringify(await exited)}\n${out}`);
    if (Date.now() > deadline) {
      killGroup('SIGKILL');
      await exited;
      throw new Error(`the service did not open port ${port} within ${opts.readyTimeoutMs ?? 60_000} ms\n${out}`);
    }
    if (await accepts(port)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const startupMs = performance.now() - started;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    dataDir: opts.dataDir,
    pid,
    child,
    startupMs,
    exited,
    output: () => out,
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
