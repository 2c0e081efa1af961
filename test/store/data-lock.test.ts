// The single-process guard on the data dir: a pid file a power cut left behind never blocks a start,
// whatever process owns that pid now; a live Kickstand on the same dir is still refused.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirBusy, identify, lockDataDir, LOCK_FILE } from '../../src/store/file/data-lock.js';
import { tempDir } from '../support/temp.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

/** A live process that is not Kickstand: what a recycled pid points at after a power cut. */
function unrelated(): number {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  return child.pid!;
}

/** The file's mtime an hour back: written before the power cut, long before the process started. */
async function aged(file: string): Promise<void> {
  const then = new Date(Date.now() - 3600_000);
  await utimes(file, then, then);
}

describe('the data dir lock', () => {
  it('When the pid file names a live unrelated process, with the start time of the process that wrote it, then the start takes the lock over', async () => {
    const dir = await tempDir('kickstand-lock-');
    const pid = unrelated();
    const { boot } = await identify(pid);
    await writeFile(path.join(dir, LOCK_FILE), `${pid} 12345 ${boot}\n`);
    const lock = await lockDataDir(dir);
    expect((await readFile(path.join(dir, LOCK_FILE), 'utf-8')).split(' ')[0]).toBe(String(process.pid));
    await lock.release();
  });

  it('When the pid file holds only a pid (an older version) and that pid is now a process started after the file was written, then the start takes the lock over', async () => {
    const dir = await tempDir('kickstand-lock-');
    await writeFile(path.join(dir, LOCK_FILE), `${unrelated()}\n`);
    await aged(path.join(dir, LOCK_FILE));
    await (await lockDataDir(dir)).release();
  });

  it('When the pid file was written in another boot, then it never blocks, even if its pid and start time match a live process', async () => {
    const dir = await tempDir('kickstand-lock-');
    const me = await identify(process.ppid);
    await writeFile(path.join(dir, LOCK_FILE), `${process.ppid} ${me.start ?? '-'} 00000000-0000-0000-0000-000000000000\n`);
    await (await lockDataDir(dir)).release();
  });

  it('When the pid file names a process that is gone, then the start takes it over', async () => {
    const dir = await tempDir('kickstand-lock-');
    const child = spawn('true');
    await new Promise((r) => child.once('exit', r));
    await writeFile(path.join(dir, LOCK_FILE), `${child.pid!}\n`);
    await (await lockDataDir(dir)).release();
  });

  it('When a live process holds the dir (its pid, start time and boot id match), then the lock is refused naming it', async () => {
    const dir = await tempDir('kickstand-lock-');
    const holder = await identify(process.ppid);
    await writeFile(path.join(dir, LOCK_FILE), `${process.ppid} ${holder.start ?? '-'} ${holder.boot ?? '-'}\n`);
    await expect(lockDataDir(dir)).rejects.toThrow(DataDirBusy);
    // An older pid-only file written after its process started is a live holder too.
    await writeFile(path.join(dir, LOCK_FILE), `${process.ppid}\n`);
    await expect(lockDataDir(dir)).rejects.toThrow(`is in use by process ${process.ppid}`);
  });

  it('When the lock is taken, then its file names this process, its start time and the boot, mode 0600', async () => {
    const dir = await tempDir('kickstand-lock-');
    const lock = await lockDataDir(dir);
    const [pid, start, boot] = (await readFile(path.join(dir, LOCK_FILE), 'utf-8')).trim().split(' ');
    const me = await identify(process.pid);
    expect([Number(pid), start, boot]).toEqual([process.pid, me.start, me.boot]);
    expect(me.start).toMatch(/^\d+$/);
    expect((await stat(path.join(dir, LOCK_FILE))).mode & 0o777).toBe(0o600);
    await lock.release();
  });
});
