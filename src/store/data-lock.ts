// One process per data dir. lowdb keeps the document in memory and rewrites the file whole, so two
// writers (two services, or a service and the `kickstand user` CLI) would silently undo each other's
// changes. The lock is a pid file created exclusively; one left by a dead process is taken over.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DiskWriteError } from './disk-write.js';

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

export async function lockDataDir(dataDir: string): Promise<DataLock> {
  const file = path.join(dataDir, 'kickstand.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return { release: () => rm(file, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        // Created but not written (a full disk): an empty pid file would only confuse the next start.
        await rm(file, { force: true }).catch(() => undefined);
        throw new DiskWriteError(file, err);
      }
      const pid = await otherHolder(dataDir);
      if (pid !== undefined) throw new DataDirBusy(dataDir, pid);
      await rm(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`cannot lock ${dataDir}`);
}

/** The pid of another live process holding the data dir (a running service), if any. */
export async function otherHolder(dataDir: string): Promise<number | undefined> {
  const pid = Number((await readFile(path.join(dataDir, 'kickstand.pid'), 'utf-8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
