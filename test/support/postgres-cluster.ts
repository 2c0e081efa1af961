// A throwaway PostgreSQL cluster: initdb in a temp dir as an unprivileged user (initdb refuses root),
// the server listening only on a Unix socket in that dir (no TCP port at all), stopped and removed by
// stop(). startCluster() is shared by the test run (the default export, vitest's globalSetup) and
// `npm run bench` (bench/postgres.ts).
//
// The test run: KICKSTAND_TEST_DATABASE_URL, when set, is used instead (a cluster you run yourself).
// Each test file takes its own database from it (test/support/postgres.ts), so files never see each
// other's rows.
//
// fsync is off: the tests kill Kickstand instances, never the database server, and a cluster thrown
// away after the run has nothing to keep.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import pg from 'pg';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

const run = promisify(execFile);

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the run's cluster, or why there is none. */
    postgres: { url: string } | { absent: string };
  }
}

export const POSTGRES_ABSENT =
  'PostgreSQL is not installed: tools/test-packages.sh installs Debian\'s "postgresql" as root, or set ' +
  'KICKSTAND_TEST_DATABASE_URL=postgres://… to a cluster of your own';

/** initdb, pg_ctl and postgres: on PATH, else Debian's versioned folder. */
export function postgresBinDir(): string | undefined {
  // On PATH, the folder the link points into (/usr/local/bin/initdb → …/15/bin), where its siblings are.
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (dir && existsSync(path.join(dir, 'initdb'))) return path.dirname(realpathSync(path.join(dir, 'initdb')));
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

/** Run as `user` when we are root (initdb and postgres refuse root). setpriv execs in place, so a
 *  signal to the child reaches postgres itself. */
function asUser(user: string | undefined, cmd: string, args: string[]): [string, string[]] {
  if (!user) return [cmd, args];
  const { uid, gid } = userIds(user);
  return ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', cmd, ...args]];
}

export interface Cluster {
  /** A superuser URL (database `postgres`, over the Unix socket). */
  url: string;
  /** pg_stat_statements is preloaded: `CREATE EXTENSION pg_stat_statements` in a database makes its
   *  view readable there (absent when this PostgreSQL does not ship the library). */
  statements: boolean;
  /** Fast shutdown, then the folder is removed. */
  stop(): Promise<void>;
}

/** Starts a cluster in a fresh temp folder; throws with POSTGRES_ABSENT when PostgreSQL is not installed. */
export async function startCluster(): Promise<Cluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(POSTGRES_ABSENT);
  // Short: the socket path (dir + "/.s.PGSQL.5432") must fit in 107 bytes.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kspg-'));
  const user = process.getuid?.() === 0 ? pickUser() : undefined;
  if (user) {
    const { uid, gid } = userIds(user);
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const [initCmd, initArgs] = asUser(user, path.join(bin, 'initdb'), [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'kickstand',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  await run(initCmd, initArgs);
  // Counting statements per database (test/scale-out: a poll costs no round trip) needs the library
  // loaded at start; Debian's postgresql ships it beside the server.
  const statements = existsSync(path.join(bin, '..', 'lib', 'pg_stat_statements.so'));
  const [cmd, args] = asUser(user, path.join(bin, 'postgres'), [
    '-D',
    data,
    '-k',
    dir,
    '-c',
    'listen_addresses=',
    '-c',
    'fsync=off',
    '-c',
    'max_connections=300',
    '-c',
    'shared_buffers=64MB',
    ...(statements ? ['-c', 'shared_preload_libraries=pg_stat_statements'] : []),
  ]);
  const server: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  server.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGINT'); // fast shutdown
      await new Promise((r) => server.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const socket = path.join(dir, '.s.PGSQL.5432');
    for (let i = 0; !existsSync(socket); i++) {
      if (i > 300 || server.exitCode !== null) throw new Error(`the test PostgreSQL did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = `postgres://kickstand@localhost/postgres?host=${encodeURIComponent(dir)}`;
    // Ready for connections, not just listening.
    for (let i = 0; ; i++) {
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        await client.end();
        break;
      } catch (err) {
        await client.end().catch(() => undefined);
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return { url, statements, stop };
  } catch (err) {
    server.kill('SIGKILL');
    await stop();
    throw err;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.KICKSTAND_TEST_DATABASE_URL;
  if (given) {
    project.provide('postgres', { url: given });
    return async () => undefined;
  }
  if (!postgresBinDir()) {
    project.provide('postgres', { absent: POSTGRES_ABSENT });
    return async () => undefined;
  }
  const cluster = await startCluster();
  project.provide('postgres', { url: cluster.url });
  return () => cluster.stop();
}

function pickUser(): string {
  for (const name of ['postgres', 'nobody']) {
    try {
      userIds(name);
      return name;
    } catch {
      // try the next one
    }
  }
  throw new Error('no unprivileged user (postgres or nobody) to run the test PostgreSQL as');
}

function userIds(name: string): { uid: number; gid: number } {
  const line = readFileSyncSafe('/etc/passwd')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no user ${name}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function readFileSyncSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
