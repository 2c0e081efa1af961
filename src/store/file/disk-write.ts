// Writing to the data dir when the disk may be full, read-only or refusing us. Three facts shape this:
// a write(2) that runs out of space part-way returns a short count, not an error (the error comes with
// the next call), and FileHandle.write makes one call; a failed write leaves whatever it managed on
// disk; and Node's errors for a file handle do not name the file. So: write until every byte is down,
// clean up after a failure, and report the file and the errno.
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { FILE_MODE } from './file-modes.js';
import { errnoOf, messageOf } from '../../errors.js';

/** A write to the data dir failed: which file, and the errno (ENOSPC, EROFS, EACCES, EIO…). */
export class DiskWriteError extends Error {
  readonly errno: string;
  constructor(
    readonly file: string,
    err: unknown,
  ) {
    const errno = errnoOf(err) ?? 'EIO';
    const why = describe(err);
    super(`cannot write ${file}: ${errno}${why ? ` (${why})` : ''}`);
    this.name = 'DiskWriteError';
    this.errno = errno;
  }
}

/** "no space left on device" from "ENOSPC: no space left on device, write". */
function describe(err: unknown): string {
  const message = messageOf(err);
  return /^[A-Z0-9_]+: ([^,]+)/.exec(message)?.[1] ?? '';
}

export function asDiskWriteError(file: string, err: unknown): DiskWriteError {
  return err instanceof DiskWriteError ? err : new DiskWriteError(file, err);
}

/** Write every byte of `data` (at `position`, or at the end for an append handle). */
export async function writeAll(handle: FileHandle, data: Buffer, position?: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position === undefined ? null : position + done);
    // A zero-byte write would loop for ever; the kernel only does it when it cannot take more.
    if (bytesWritten <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    done += bytesWritten;
  }
}

/** Replace `file` whole: write a temp file beside it, sync it, rename it over `file`, sync the folder
 *  — so a power cut leaves the old file or the new one, never an empty one (a rename can reach the
 *  disk before the data it names). On any failure the temp file is removed (it would hold space on a
 *  full disk) and `file` is untouched. */
export async function writeFileAtomic(file: string, data: string | Buffer, tmp = `${file}.tmp`): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'w', FILE_MODE);
    await writeAll(handle, typeof data === 'string' ? Buffer.from(data) : data);
    await handle.datasync();
    await handle.close();
    handle = undefined;
    await rename(tmp, file);
    await syncDir(path.dirname(file));
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new DiskWriteError(file, err);
  }
}

/** Make a rename in `dir` durable (the file's own fdatasync does not cover its directory entry). */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The temp name lowdb's writer (steno) used, kept so a leftover from an older version is cleaned up. */
export function dotTemp(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
}
