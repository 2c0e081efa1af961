// The way back from a damaged data file: a copy of each file as it loaded at the last successful start
// (`<file>.last-good`), and the start error that points at it. A file that will not load is left as
// it is — never replaced by an empty one — and the message says where the copy is and what to do.
import { chmod, copyFile, constants, rename, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../log.js';
import { DiskWriteError } from './disk-write.js';
import { FILE_MODE } from './file-modes.js';
import { DocumentCorrupt } from './document-file.js';
import { JournalCorrupt } from './host-journal.js';
import { messageOf } from '../../errors.js';

export const LAST_GOOD = '.last-good';
/** The section of docs/operations.md that explains what to do with a damaged data file. */
export const RECOVERY_DOC = 'docs/operations.md, "A damaged data file"';

export class StoreOpenError extends Error {
  constructor(
    readonly file: string,
    cause: string,
    recovery = '',
  ) {
    super(`cannot load ${file}: ${cause}${recovery}`);
    this.name = 'StoreOpenError';
  }

  /** The error for a file that would not load, pointing at its last good copy and the recovery steps.
   *  The file itself is left as it is: never replaced by an empty one. */
  static async of(file: string, err: unknown): Promise<StoreOpenError> {
    let cause = messageOf(err);
    if ((err instanceof JournalCorrupt || err instanceof DocumentCorrupt) && cause.startsWith(`${file}: `))
      cause = cause.slice(file.length + 2);
    const copy = `${file}${LAST_GOOD}`;
    const saved = await stat(copy).catch(() => undefined);
    const recovery = saved
      ? `\nThe file is left as it is. ${copy} is the copy that loaded at the last successful start (${saved.mtime.toISOString()}); to recover, see ${RECOVERY_DOC}.`
      : `\nThe file is left as it is. There is no ${copy} (one is made at each successful start); to recover, see ${RECOVERY_DOC}.`;
    return new StoreOpenError(file, cause, recovery);
  }
}

/** Copy the files that just loaded to `<file>.last-good` (copy to a temp name, then rename: a copy cut
 *  short never replaces the previous good one). Skipped, keeping the older copy, when the copy would
 *  leave less free space than the file's own size (room for a compaction) or 16 MiB, whichever is
 *  more: on a nearly full disk the space is worth more to the service than a fresher copy. */
export async function keepLastGood(dir: string, files: string[], log: Pick<Logger, 'warn'> | undefined): Promise<void> {
  for (const file of files) {
    const size = (await stat(file).catch(() => undefined))?.size;
    if (size === undefined) continue;
    const copy = `${file}${LAST_GOOD}`;
    const fs = await statfs(dir).catch(() => undefined);
    const free = fs ? fs.bavail * fs.bsize : Infinity;
    if (free < size + Math.max(size, 16 * 1024 * 1024)) {
      log?.warn({ file, free, size }, `low on space: ${path.basename(copy)} not refreshed at this start`);
      continue;
    }
    const tmp = `${copy}.tmp`;
    try {
      // A clone where the file system can (btrfs, XFS): instant and free; a plain copy elsewhere.
      await copyFile(file, tmp, constants.COPYFILE_FICLONE);
      // A copy takes its source's mode: a source still loose from an older version must not make a loose copy.
      await chmod(tmp, FILE_MODE);
      await rename(tmp, copy);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      const e = new DiskWriteError(copy, err);
      log?.warn({ err, file: copy, errno: e.errno }, `${e.message}: the last good copy was not refreshed at this start`);
    }
  }
}
