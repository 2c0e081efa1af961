// The one place dependencies are built: the server, every CLI command that reads the data dir, and
// (through the server) the tests. What each caller may skip or replace is an override, so a command
// never builds what it does not use — `kickstand user` never builds a kickstart environment.
import type { Config } from './config.js';
import type { Deps } from './deps.js';
import { Sightings } from './discovery/sightings.js';
import { loadInstallersFile } from './installers/config-file.js';
import type { Installer } from './installers/installer.js';
import { createKickstartEnvironment, RenderCache, type KickstartEnvironment } from './kickstart/render/index.js';
import type { Logger } from './log.js';
import { SecretBox } from './secrets/secret-box.js';
import { loadSecretKey } from './secrets/secret-key.js';
import { lockDataDir, type DataLock } from './store/file/data-lock.js';
import { LowdbStore } from './store/file/lowdb-store.js';
import type { Store } from './store/store.js';
import { Mutex } from './util/mutex.js';
import { PgStore } from './store/postgres/pg-store.js';
import { createHash } from 'node:crypto';
import { SECRET_KEY_FILE } from './secrets/secret-key.js';
import path from 'node:path';
import { Sessions } from './web/sessions.js';
import { MemorySessions } from './store/file/memory-sessions.js';
import { PgSessions } from './store/postgres/pg-sessions.js';
import { MemoryLimiters } from './util/limiters.js';
import { PgLimiters } from './store/postgres/pg-limiters.js';

export interface DepsOverrides {
  /** Use this store instead of opening the data dir's; `close()` leaves it open (it is the caller's). */
  store?: Store;
  /** Take the data dir's lock before opening it (the service; `kickstand user` with the service
   *  stopped), released by `close()`. Without it the data dir is read beside whoever holds it. */
  lock?: boolean;
  /** Open the store as a reader beside the running service (`kickstand boot-config`): no start-up
   *  notes, no migration of plaintext secret params — those are the service's to do. */
  reader?: boolean;
  /** Instead of reading KICKSTAND_INSTALLERS (`kickstand user` needs none). */
  configInstallers?: readonly Installer[];
  /** Watch the templates folder for edits (default true; a one-shot command has no use for it). */
  watchTemplates?: boolean;
}

/** The deps and what it takes to let go of them. */
export interface ComposedDeps extends Deps {
  /** Closes what createDeps opened — the template watcher, the store, the lock — in that order. */
  close(): Promise<void>;
}

export async function createDeps(config: Config, log: Logger, overrides: DepsOverrides = {}): Promise<ComposedDeps> {
  const configInstallers = overrides.configInstallers ?? (await loadInstallersFile(config.installersFile));
  const lock: DataLock | undefined = overrides.lock ? await lockDataDir(config.dataDir) : undefined;
  let secrets: SecretBox;
  let store: Store;
  let pgStore: PgStore | undefined;
  try {
    // The key first: it protects what the store may migrate at open.
    const key = await loadSecretKey(config.dataDir);
    secrets = new SecretBox(key);
    if (overrides.store) store = overrides.store;
    else if (config.databaseUrl) {
      store = pgStore = await PgStore.open(config.databaseUrl, { log });
      await sameSecretKey(pgStore, key, config.dataDir).catch(async (err: unknown) => {
        await pgStore?.close();
        throw err;
      });
    } else
      store = overrides.reader
        ? await LowdbStore.open(config.dataDir)
        : await LowdbStore.open(config.dataDir, { log, protectParams: (params) => secrets.protect(params) });
  } catch (err) {
    await lock?.release();
    throw err;
  }
  // Sessions and rate-limit counts: in this process with the file store; in the database when the
  // store is PostgreSQL, so whichever instance a request reaches sees the same ones.
  const shared = store instanceof PgStore ? store.pool : undefined;
  const sessions = new Sessions(shared ? new PgSessions(shared, { log }) : new MemorySessions());
  const limiters = shared ? new PgLimiters(shared, log) : new MemoryLimiters();
  // Built on first use: most commands never render, and the environment watches a folder.
  let kickstarts: KickstartEnvironment | undefined;
  return {
    config,
    store,
    get kickstarts(): KickstartEnvironment {
      return (kickstarts ??= createKickstartEnvironment(config.templatesDir, { watch: overrides.watchTemplates !== false }));
    },
    log,
    // One writer at a time: in this process (the file store has one process), or across every instance
    // sharing the database.
    hostsLock: pgStore ? pgStore.lock('hosts') : new Mutex(),
    templatesLock: pgStore ? pgStore.lock('templates') : new Mutex(),
    sightings: new Sightings(),
    configInstallers,
    renderCache: new RenderCache(),
    secrets,
    sessions,
    limiters,
    async close() {
      kickstarts?.close();
      sessions.close();
      limiters.close();
      if (!overrides.store) await store.close();
      await lock?.release();
    },
  };
}

/** Every instance on one database must seal and open params with the same key: the database keeps the
 *  key's fingerprint (never the key), set by the first instance, and any other key is refused at start. */
async function sameSecretKey(store: PgStore, key: Buffer, dataDir: string): Promise<void> {
  const fingerprint = createHash('sha256').update('kickstand secret.key').update(key).digest('hex').slice(0, 32);
  const agreed = await store.agree('secret_key_fingerprint', fingerprint);
  if (agreed !== fingerprint)
    throw new Error(
      `${path.join(dataDir, SECRET_KEY_FILE)} is not the key the other instances on this database use (fingerprint ` +
        `${fingerprint}, the database expects ${String(agreed)}): copy secret.key from an instance already running (docs/scale-out.md)`,
    );
}
