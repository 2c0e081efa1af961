// The one place dependencies are built: the server, every CLI command that reads the data dir, and
// (through the server) the tests. What each caller may skip or replace is an override, so a command
// never builds what it does not use — `kickstand user` never builds a kickstart environment.
import { BmcJobQueue } from './bmc/jobs/queue.js';
import type { Config } from './config.js';
import type { Deps } from './deps.js';
import { Sightings } from './discovery/sightings.js';
import { Events } from './events/events.js';
import { countEvents } from './metrics/count-events.js';
import { Metrics } from './metrics/metrics.js';
import { loadInstallersFile } from './installers/config-file.js';
import type { Installer } from './installers/installer.js';
import { createKickstartEnvironment, RenderCache, type KickstartEnvironment } from './kickstart/render/index.js';
import type { Logger } from './log.js';
import { SecretBox } from './secrets/secret-box.js';
import { fingerprint, loadSecretKey, SECRET_KEY_FILE } from './secrets/secret-key.js';
import { lockDataDir, type DataLock } from './store/file/data-lock.js';
import { LowdbStore } from './store/file/lowdb-store.js';
import type { Store } from './store/store.js';
import { Mutex } from './util/mutex.js';
import { PgStore } from './store/postgres/pg-store.js';
import path from 'node:path';
import { DatabaseTemplateSource, openDatabaseTemplates, type DatabaseTemplates } from './templates/database.js';
import { fileTemplateSource } from './templates/source.js';
import { Sessions } from './web/sessions.js';
import { MemorySessions } from './store/file/memory-sessions.js';
import { PgSessions } from './store/postgres/pg-sessions.js';
import { MemoryLimiters } from './util/limiters.js';
import { PgLimiters } from './store/postgres/pg-limiters.js';
import { Dispatcher } from './notifications/dispatcher.js';
import { createBmcDrivers } from './bmc/drivers/index.js';
import type { BmcDrivers } from './bmc/driver.js';

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
  /** Watch the templates folder for edits (default true; a one-shot command has no use for it). With
   *  PostgreSQL: seed the database from the folder at first start and keep the folder its mirror. */
  watchTemplates?: boolean;
  /** Instead of ipmitool and Redfish (tests: simulated BMCs). */
  bmcDrivers?: BmcDrivers;
}

/** The deps and what it takes to let go of them. */
export interface ComposedDeps extends Deps {
  /** Refuses to go on when `secret` (kept in `file` of the data dir, or set in the environment) is not
   *  what the other instances sharing the database hold; nothing to check on the file store. */
  sameAcrossInstances(file: string, secret: string): Promise<void>;
  /** Closes what createDeps opened — the template watchers, the store, the lock — in that order. */
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
      await sameAcrossInstances(pgStore, path.join(config.dataDir, SECRET_KEY_FILE), key).catch(async (err: unknown) => {
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
  // Built on first use: most commands never render, and the environment watches a folder.
  let kickstarts: KickstartEnvironment | undefined;
  const templatesLock = pgStore ? pgStore.lock('templates') : new Mutex();
  // With PostgreSQL the database holds the templates' text and the folder is the service's mirror of it
  // (templates/database.ts); a one-shot command reads the database and leaves the folder alone.
  let databaseTemplates: DatabaseTemplates | undefined;
  if (pgStore && overrides.watchTemplates !== false) {
    try {
      databaseTemplates = await openDatabaseTemplates(pgStore, config.templatesDir, templatesLock, log, () => kickstarts?.invalidate());
    } catch (err) {
      await store.close();
      await lock?.release();
      throw err;
    }
  }
  // Sessions and rate-limit counts: in this process with the file store; in the database when the
  // store is PostgreSQL, so whichever instance a request reaches sees the same ones.
  const shared = store instanceof PgStore ? store.pool : undefined;
  const sessions = new Sessions(shared ? new PgSessions(shared, { log }) : new MemorySessions());
  const limiters = shared ? new PgLimiters(shared, log) : new MemoryLimiters();
  const events = new Events(log);
  const metrics = new Metrics(() => store.hosts.list());
  countEvents(events, metrics, store.hosts);
  const bmcJobs = new BmcJobQueue({
    concurrency: config.bmcConcurrency,
    timeoutMs: config.bmcTimeoutMs,
    retries: config.bmcRetries,
    onFault: (err, job) => log.error({ err, job: job.id, host: job.host, action: job.action }, 'BMC job failed unexpectedly'),
  });
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
    templatesLock,
    templateSource:
      databaseTemplates?.source ??
      (pgStore ? new DatabaseTemplateSource(pgStore.templates) : fileTemplateSource(config.templatesDir, store.templates)),
    sightings: new Sightings(),
    events,
    metrics,
    notifications: new Dispatcher({ store, secrets, log, events }, { timeoutMs: config.webhookTimeoutMs, retryMs: config.webhookRetryMs }),
    bmcDrivers: overrides.bmcDrivers ?? createBmcDrivers(config),
    bmcJobs,
    configInstallers,
    renderCache: new RenderCache(),
    secrets,
    sessions,
    limiters,
    sameAcrossInstances: (file, secret) => (pgStore ? sameAcrossInstances(pgStore, file, secret) : Promise.resolve()),
    async close() {
      await bmcJobs.stop();
      kickstarts?.close();
      await databaseTemplates?.close();
      sessions.close();
      limiters.close();
      if (!overrides.store) await store.close();
      await lock?.release();
    },
  };
}

/** What every instance on one database must hold alike — the secret.key that seals params, the admin
 *  token — is checked at start: the database keeps a fingerprint (never the secret), set by the first
 *  instance, and any other value is refused, naming the file to copy. The file store has one instance. */
async function sameAcrossInstances(store: PgStore, file: string, secret: Buffer | string): Promise<void> {
  const name = path.basename(file);
  const mine = fingerprint(name, secret);
  const agreed = await store.agree(`fingerprint:${name}`, mine);
  if (agreed !== mine)
    throw new Error(
      `${file} is not the ${name} the other instances on this database use (fingerprint ${mine}, the database ` +
        `expects ${String(agreed)}): copy it from an instance already running, or set the same value on every instance (docs/scale-out.md)`,
    );
}
