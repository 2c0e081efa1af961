// `kickstand serve` as its own process (through tsx), for the fault tests that need a real process:
// its exit code and stderr at a failed start, or a process running as another user (root ignores
// permission bits, so EACCES needs an unprivileged service).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface KickstandProcess {
  child: ChildProcess;
  /** The URL once it listens; rejects if it exits first. */
  ready: Promise<string>;
  /** Exit code (null: killed by a signal), stdout and stderr. */
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** The JSON log lines written so far. */
  logs(): Record<string, unknown>[];
  /** SIGTERM, then the exit. */
  stop(): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export const PROCESS_ADMIN_TOKEN = 'fault-process-admin-token-0123456789';

export function startKickstand(dataDir: string, options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {}): KickstandProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    env: {
      ...process.env,
      PORT: '0',
      KICKSTAND_BIND: '127.0.0.1',
      KICKSTAND_DATA: dataDir,
      KICKSTAND_TEMPLATES: path.resolve('kickstarts'),
      KICKSTAND_ADMIN_TOKEN: PROCESS_ADMIN_TOKEN,
      KICKSTAND_ADMIN_PASSWORD: 'fault-process-password',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
  });
  let stdout = '';
  let stderr = '';
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
  let listening = false;
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const url = listening ? undefined : /"url":"(http:[^"]+)","bind".*"msg":"kickstand listening"/.exec(stdout)?.[1];
      if (!url) return;
      listening = true;
      // One answered request before anyone is told: the process is past start-up (signal handlers set).
      void fetch(`${url}/ks`).then(() => resolve(url), reject);
    });
    void exited.then(({ code }) => reject(new Error(`kickstand exited (${code}) before listening:\n${stderr}`)));
  });
  ready.catch(() => undefined);
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    child,
    ready,
    exited,
    logs: () => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
