// The data dir is private: it holds the hosts' token digests, the users' password hashes, password
// hashes of assignments, the admin token and the key that opens sealed params. Everything the store
// creates is 0600 in a 0700 folder, whatever the umask (the service also sets umask 077, main.ts), and
// a looser mode found at start — a restore with `cp`, a hand-made folder, an older version — is
// tightened, naming the file in a warning, so an operator learns why its mode changed.
import { chmod, lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../log.js';
import { errnoOf } from '../../errors.js';

/** Every file the store writes. */
export const FILE_MODE = 0o600;
/** The data dir and its folders. */
export const DIR_MODE = 0o700;

/** Tighten the data dir and everything under it (symlinks are left alone: their target is not ours). */
export async function tightenModes(dir: string, log: Pick<Logger, 'warn'> | undefined): Promise<void> {
  const stats = await lstat(dir).catch(() => undefined);
  if (!stats || stats.isSymbolicLink()) return;
  const mode = stats.mode & 0o777;
  // Only bits for group and others are taken away; an owner's missing bit is not ours to add back
  // (a file made read-only on purpose stays so).
  if (mode & 0o077) {
    try {
      await chmod(dir, mode & 0o700);
      log?.warn(
        { file: dir, was: octal(mode), now: octal(mode & 0o700) },
        `${dir} was readable by others (mode ${octal(mode)}): tightened to ${octal(mode & 0o700)}`,
      );
    } catch (err) {
      // Not ours to change (another owner): said, and the start goes on as before.
      log?.warn(
        { err, file: dir, mode: octal(mode) },
        `${dir} is readable by others (mode ${octal(mode)}) and cannot be tightened: ${errnoOf(err) ?? String(err)}`,
      );
    }
  }
  if (!stats.isDirectory()) return;
  for (const name of await readdir(dir).catch(() => [] as string[])) await tightenModes(path.join(dir, name), log);
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}
