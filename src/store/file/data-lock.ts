// One process per data dir. lowdb keeps the document in memory and rewrites the file whole, so two
// writers (two services, or a service and the `kickstand user` CLI) would silently undo each other's
// changes. The lock is a pid file created exclusively (Node has no flock). A pid alone is not an
// identity: after a power cut the file survives and its pid is soon another process's, which would
// block every start. So the file also names the process's start time (field 22 of /proc/<pid>/stat,
// in clock ticks since boot) and the boot id; a file whose pid is gone, whose process started at
// another time, or that was written in another boot is stale and taken over. A file with the pid only
// (an older version, or written by hand) is stale when its process started after the file was
// written: a holder writes its file after it starts. Where /proc is missing (not Linux) only the pid
// is compared, as before.
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DiskWriteError } from './disk-write.js';
import { FILE_MODE } from './file-modes.js';
import { errnoOf } from '../../errors.js';

export const LOCK_FILE = 'kickstand.pid';

export class DataDirBusy extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`the data dir ${dataDir} is in use by process ${pid} (a running Kickstand?); stop it or use the API`);
    this.name = 'DataDirBusy';
  }
}

export interface DataLock {
  release(): Promise<void>;
}

/** Who holds the lock: "pid start-time boot-id" on one line (an older file has the pid only). */
interface Holder {
  pid: number;
  start?: string;
  boot?: string;
}

export async function lockDataDir(dataDir: string): Promise<DataLock> {
  const file = path.join(dataDir, LOCK_FILE);
  const me = await identify(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${[me.pid, me.start ?? '-', me.boot ?? '-'].join(' ')}\n`, { flag: 'wx', mode: FILE_MODE });
      return { release: () => rm(file, { force: true }) };
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') {
        // Created but not written (a full disk): an empty pid file would only confuse the next start.
        await rm(file, { force: true }).catch(() => undefined);
        throw new DiskWriteError(file, err);
      }
      const pid = await otherHolder(dataDir);
      if (pid !== undefined) throw new DataDirBusy(dataDir, pid);
      await rm(file, { force: true }); // stale: its process is gone, or the pid is another process's now
    }
  }
  throw new Error(`cannot lock ${dataDir}`);
}

/** The pid of another live process holding the data dir (a running service), if any. */
export async function otherHolder(dataDir: string): Promise<number | undefined> {
  const file = path.join(dataDir, LOCK_FILE);
  const held = parse(await readFile(file, 'utf-8').catch(() => ''));
  if (!held || held.pid === process.pid || !alive(held.pid)) return undefined;
  const now = await identify(held.pid);
  // A field the file or this system does not have cannot tell the processes apart: trust the pid.
  if (held.boot && now.boot && held.boot !== now.boot) return undefined;
  if (held.start && now.start) return held.start === now.start ? held.pid : undefined;
  const started = now.start ? await startedAtMs(now.start) : undefined;
  const written = (await stat(file).catch(() => undefined))?.mtimeMs;
  if (started !== undefined && written !== undefined && started > written) return undefined;
  return held.pid;
}

/** Clock ticks since boot (USER_HZ, 100 on every Linux architecture Node runs on) as a wall-clock
 *  time. btime is whole seconds, so the result may be up to a second early: never later than the
 *  real start, which keeps a live holder from looking younger than its file. */
async function startedAtMs(ticks: string): Promise<number | undefined> {
  const btime = /^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf-8').catch(() => ''))?.[1];
  return btime ? Number(btime) * 1000 + (Number(ticks) * 1000) / 100 : undefined;
}

function parse(text: string): Holder | undefined {
  const [pid, start, boot] = text.trim().split(/\s+/);
  const n = Number(pid);
  if (!Number.isInteger(n) || n <= 0) return undefined;
  return { pid: n, ...(start && start !== '-' ? { start } : {}), ...(boot && boot !== '-' ? { boot } : {}) };
}

/** The pid with its start time and the current boot id, where /proc tells them. */
export async function identify(pid: number): Promise<Holder> {
  const [stat, boot] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf-8').catch(() => undefined),
    readFile('/proc/sys/kernel/random/boot_id', 'utf-8').catch(() => undefined),
  ]);
  // The command name (field 2) is in parentheses and may hold spaces or ")": count from the last ")".
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Field 22 overall is the 20th after the name (fields 3…).
  const start = fields?.[19];
  return { pid, ...(start ? { start } : {}), ...(boot?.trim() ? { boot: boot.trim() } : {}) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
}
