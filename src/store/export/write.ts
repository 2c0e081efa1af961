// Writing an export: every record of a store, through its repositories only, so any store exports the
// same way. Streamed a line at a time with the stream's backpressure: 100,000 hosts with their facts
// never sit in memory as one string, and a slow disk or pipe slows the export rather than filling RAM.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Store } from '../store.js';
import { DiskWriteError } from '../file/disk-write.js';
import { FILE_MODE } from '../file/file-modes.js';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  SEALED_NOTE,
  noCounts,
  type ExportCounts,
  type ExportEnd,
  type ExportHeader,
  type ExportRecord,
} from './format.js';

/** Facts and install logs are read this many hosts at a time: on PostgreSQL each is a query, and
 *  waiting for one before asking for the next would make the export as slow as the round trips. */
const HOSTS_AT_ONCE = 32;

/** Write the export of `store` to `out` (left open) and say what it held. */
export async function writeExport(
  store: Store,
  out: Writable,
  from: Pick<ExportHeader, 'source' | 'secret_key_fingerprint'>,
): Promise<ExportCounts> {
  let failed: Error | undefined;
  const remember = (err: Error) => (failed ??= err);
  out.on('error', remember);
  const put = async (value: ExportHeader | ExportRecord | ExportEnd) => {
    if (failed) throw failed;
    if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain');
  };
  const counts = noCounts();
  const record = async (r: ExportRecord) => {
    counts[r.type]++;
    await put(r);
  };
  try {
    await put({ format: EXPORT_FORMAT, version: EXPORT_VERSION, exported_at: new Date().toISOString(), ...from, note: SEALED_NOTE });
    await record({ type: 'settings', settings: { ...(await store.settings.get()) } });
    for (const profile of await store.profiles.list()) await record({ type: 'profile', profile });
    for (const rule of await store.rules.list()) await record({ type: 'rule', rule });
    // Installers of the KICKSTAND_INSTALLERS file are that file's, not the store's.
    for (const installer of await store.installers.list()) if (installer.source === 'api') await record({ type: 'installer', installer });
    for (const webhook of await store.webhooks.list()) await record({ type: 'webhook', webhook });
    for (const set of await store.bmcCredentials.list()) await record({ type: 'bmc_credentials', bmc_credentials: set });
    for (const definition of await store.tagDefinitions.list()) await record({ type: 'tag_definition', tag_definition: definition });
    // Before the hosts, which name the record they took (host.expected.id).
    for (const expected of await store.expectedHosts.list()) await record({ type: 'expected_host', expected_host: expected });
    for (const user of await store.users.list()) await record({ type: 'user', user });
    for (const name of await store.templates.names())
      for (const version of await store.templates.list(name)) await record({ type: 'template_version', version });
    const hosts = await store.hosts.list();
    for (let i = 0; i < hosts.length; i += HOSTS_AT_ONCE) {
      const batch = await Promise.all(
        hosts.slice(i, i + HOSTS_AT_ONCE).map(async (host) => {
          const [facts, log] = await Promise.all([store.hosts.getFacts(host.id), store.hosts.getInstallLog(host.id)]);
          return { host, facts, log };
        }),
      );
      for (const { host, facts, log } of batch)
        await record({ type: 'host', host, ...(facts ? { facts } : {}), ...(log !== undefined ? { install_log: log } : {}) });
    }
    // Oldest first: an import appends them in this order, which is the trail's order.
    for (const entry of (await store.audit.list()).toReversed()) await record({ type: 'audit', entry });
    await put({ type: 'end', counts });
  } finally {
    out.off('error', remember);
  }
  return counts;
}

/** Write the export to `file`: under a temporary name beside it, synced, then renamed, so a file by that
 *  name is always a whole export. Mode 0600 whatever the umask: it holds password hashes and token
 *  digests, like the data dir. */
export async function writeExportFile(
  store: Store,
  file: string,
  from: Pick<ExportHeader, 'source' | 'secret_key_fingerprint'>,
): Promise<ExportCounts> {
  const partial = `${file}.partial`;
  await rm(partial, { force: true });
  const out = createWriteStream(partial, { flags: 'wx', mode: FILE_MODE });
  // A failure of the file itself (full disk, no such folder) is named as one; the store's own errors
  // say what they are.
  const fault = { inFile: false };
  out.once('error', () => (fault.inFile = true));
  try {
    const counts = await writeExport(store, out, from);
    out.end();
    await finished(out);
    await syncAndRename(partial, file).catch((err: unknown) => {
      fault.inFile = true;
      throw err;
    });
    return counts;
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true }).catch(() => undefined);
    throw fault.inFile ? new DiskWriteError(file, err) : err;
  }
}

async function syncAndRename(partial: string, file: string): Promise<void> {
  const handle = await open(partial, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(partial, file);
}
