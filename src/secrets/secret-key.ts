// The data dir's key for sealed params: `secret.key`, 32 random bytes, mode 0600, made at the first
// start. It is part of the data dir's backup (docs/operations.md): without it, sealed params cannot be
// opened and the kickstarts that need them no longer render.
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { DiskWriteError, syncDir, writeAll } from '../store/file/disk-write.js';
import { FILE_MODE } from '../store/file/file-modes.js';
import { errnoOf } from '../errors.js';

export const SECRET_KEY_FILE = 'secret.key';
const KEY_BYTES = 32;

export class SecretKeyError extends Error {
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(`${file}: ${why}; restore it from the backup of the data dir (docs/operations.md, "Backups")`);
    this.name = 'SecretKeyError';
  }
}

/** What tells two keys apart without showing either: instances on one database agree on it
 *  (composition.ts), and an export names the key its sealed params need (store/export/). The fixed
 *  prefix keeps it from being a plain hash of the key. */
export function secretKeyFingerprint(key: Buffer): string {
  return fingerprint(SECRET_KEY_FILE, key);
}

/** The fingerprint of a secret kept in the data dir file `name` (secret.key, admin-token). */
export function fingerprint(name: string, secret: Buffer | string): string {
  return createHash('sha256').update(`kickstand ${name}\0`).update(secret).digest('hex').slice(0, 32);
}

export async function loadSecretKey(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, SECRET_KEY_FILE);
  const existing = await readFile(file).catch((e: unknown) => {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return undefined;
    throw new SecretKeyError(file, `cannot be read (${err.code ?? String(err)})`);
  });
  // Empty: a power cut between creating the file and syncing it. Nothing was sealed with that key
  // (a key is synced before its first use), so a new one is made.
  if (existing?.length) {
    // A truncated key would seal with a different key than the one that sealed the stored params.
    if (existing.length !== KEY_BYTES) throw new SecretKeyError(file, `holds ${existing.length} bytes, not ${KEY_BYTES}`);
    return existing;
  }
  if (existing) await rm(file, { force: true });
  const key = randomBytes(KEY_BYTES);
  let handle: FileHandle | undefined;
  try {
    // 'wx': never replace a key that appeared since the read (it may already have sealed params).
    handle = await open(file, 'wx', FILE_MODE);
    await writeAll(handle, key);
    // On disk before any value sealed with it is: a journal record that outlives its key is lost.
    await handle.datasync();
    await handle.close();
    handle = undefined;
    await syncDir(dataDir);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    // A CLI beside the first start made it a moment ago: use that one.
    if (errnoOf(err) === 'EEXIST') return loadSecretKey(dataDir);
    await rm(file, { force: true }).catch(() => undefined);
    throw new DiskWriteError(file, err);
  }
  return key;
}
