// `kickstand data export [FILE]` and `kickstand data import FILE [--dry-run]`: move a whole installation
// from one store to another (the file store ↔ PostgreSQL) through an export (store/export/). Each side
// is the store the service would open with the same environment: PostgreSQL when
// KICKSTAND_DATABASE_URL is set, else the file store in KICKSTAND_DATA.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createDeps, type ComposedDeps } from '../composition.js';
import { DataMoveError, errnoOf } from '../errors.js';
import { createLogger } from '../log.js';
import { loadSecretKey, secretKeyFingerprint, SECRET_KEY_FILE } from '../secrets/secret-key.js';
import { describeCounts, type ExportHeader } from '../store/export/format.js';
import { importExport, storedRecords } from '../store/export/import.js';
import { readExport } from '../store/export/read.js';
import { writeExport, writeExportFile } from '../store/export/write.js';
import { DataDirBusy } from '../store/file/data-lock.js';
import { redactUrl } from '../store/postgres/redact.js';

/** Where the commands print, and the environment they read their configuration from. */
export interface DataIo {
  /** What the command exists to say (import). */
  out(line: string): void;
  /** Notes beside the data (export: stdout may be the export itself). */
  err(line: string): void;
  /** Where an export without FILE goes. */
  stdout: Writable;
  env: NodeJS.ProcessEnv;
}

/** Write the configured store's export to `file`, or to io.stdout without one. */
export async function exportData(file: string | undefined, io: DataIo): Promise<void> {
  const config = loadConfig(io.env);
  // A mistyped KICKSTAND_DATA would otherwise export an empty installation (and make a key for it).
  if (!(await stat(config.dataDir).catch(() => undefined))?.isDirectory())
    throw new ConfigError([`KICKSTAND_DATA="${config.dataDir}": no such data dir, nothing to export (it also holds secret.key)`]);
  // A reader, like `kickstand boot-config`: the service may be running on this store, and an export
  // changes nothing in it. Start-up notes go to stderr: stdout may be the export.
  const deps = await createDeps(config, createLogger('warn', process.stderr), {
    reader: true,
    watchTemplates: false,
    configInstallers: [],
  });
  try {
    const from = { source: storeName(config), secret_key_fingerprint: secretKeyFingerprint(await loadSecretKey(config.dataDir)) };
    const counts = file ? await writeExportFile(deps.store, file, from) : await writeExport(deps.store, io.stdout, from);
    io.err(`exported ${describeCounts(counts)} from ${from.source}${file ? ` to ${file}` : ''}`);
    io.err(
      `secret params are in it sealed: before importing, copy ${path.join(config.dataDir, SECRET_KEY_FILE)} into the target's data dir`,
    );
  } finally {
    await deps.close();
  }
}

/** Import the export in `file` into the configured store, which must be empty; with `dryRun`, check
 *  everything an import checks and say what it would import, writing nothing. */
export async function importData(file: string, dryRun: boolean, io: DataIo): Promise<void> {
  const config = loadConfig(io.env);
  const target = storeName(config);
  // Every line first, before the target is even opened: a damaged export writes nothing.
  const checked = await readExport(file);
  await sameSecretKey(config.dataDir, checked.header);
  const deps = await openTarget(config);
  try {
    const held = await storedRecords(deps.store);
    if (held.length)
      throw new DataMoveError(
        'NOT_EMPTY',
        `${target} is not empty: it holds ${held.join(', ')}. An import never merges into what is there: import into a new ` +
          'database or an empty data dir, before the service first starts on it (a first start creates the user admin). Nothing was imported',
      );
    const what = `${describeCounts(checked.counts)} (exported from ${checked.header.source} at ${checked.header.exported_at})`;
    if (dryRun) {
      io.out(`dry run: every line of ${file} is whole; it would import ${what} into ${target}. Nothing was written`);
      return;
    }
    await importExport(deps.store, file, checked);
    io.out(`imported ${what} into ${target}`);
    if (checked.counts.audit)
      io.out('the audit entries keep their order; their seq numbers (the paging cursor) are the new store’s, numbered anew');
  } finally {
    await deps.close();
  }
}

function storeName(config: Config): string {
  return config.databaseUrl ? `the database ${redactUrl(config.databaseUrl)}` : `the data dir ${config.dataDir}`;
}

/** The target opened as `kickstand user` opens it with the service stopped: holding the data dir's
 *  lock, so an import never runs beside the service on the file store (it keeps the data in memory
 *  and would write over the import). */
async function openTarget(config: Config): Promise<ComposedDeps> {
  try {
    return await createDeps(config, createLogger('warn', process.stderr), { lock: true, watchTemplates: false, configInstallers: [] });
  } catch (err) {
    if (err instanceof DataDirBusy)
      throw new DataMoveError(
        'BUSY',
        `the data dir ${err.dataDir} is in use by process ${err.pid} (a running Kickstand?): stop it, then import. Nothing was imported`,
      );
    throw err;
  }
}

/** Sealed params open only with the key that sealed them: the target's data dir must hold the source's
 *  secret.key. Read, never made: a new key here would be the wrong one. */
async function sameSecretKey(dataDir: string, header: ExportHeader): Promise<void> {
  const file = path.join(dataDir, SECRET_KEY_FILE);
  const key = await readFile(file).catch((err: unknown) => {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw err;
  });
  const copy = `copy secret.key from the data dir of the installation exported (${header.source}) to ${file}, mode 0600, and import again`;
  if (!key)
    throw new DataMoveError(
      'KEY_MISMATCH',
      `${file} does not exist: the export's sealed params need their key: ${copy}. Nothing was imported`,
    );
  const fingerprint = secretKeyFingerprint(key);
  if (fingerprint !== header.secret_key_fingerprint)
    throw new DataMoveError(
      'KEY_MISMATCH',
      `${file} is not the key the export's sealed params were sealed with (its fingerprint is ${fingerprint}, the export's ` +
        `${header.secret_key_fingerprint}): ${copy}. Nothing was imported`,
    );
}
