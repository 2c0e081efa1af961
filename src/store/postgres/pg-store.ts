// The PostgreSQL store (KICKSTAND_DATABASE_URL=postgres://…): for several instances behind one address
// sharing one database (docs/scale-out.md). At open it migrates the schema (migrate.ts), reads the hot
// records into memory and starts listening to the other instances' changes (notifications.ts).
//
// Same promises as the file store: a save is visible at once and its promise resolves once committed
// (an acknowledged registration is a committed row). On top of them, `lock()` serialises find-then-save
// across every instance (cluster-lock.ts), where one process needs only its own Mutex.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../../log.js';
import { byName, byPriorityThenName } from '../shared.js';
import type {
  BmcCredentialRepository,
  ExpectedHostRepository,
  TagDefinitionRepository,
  InstallerRepository,
  ProfileRepository,
  RuleRepository,
  Store,
  StoreHealth,
  WebhookRepository,
} from '../store.js';
import type { BmcCredentialSet } from '../../bmc/bmc.js';
import type { ExpectedHost } from '../../expected-hosts/expected-host.js';
import type { TagDefinition } from '../../tags/tag.js';
import type { Installer } from '../../installers/installer.js';
import type { Webhook } from '../../notifications/webhook.js';
import type { Profile } from '../../profiles/profile.js';
import type { Rule } from '../../rules/rule.js';
import type { Lock } from '../../util/mutex.js';
import { AppError, messageOf } from '../../errors.js';
import { ClusterLock, LOCK_KEYS } from './cluster-lock.js';
import type { Db } from './db.js';
import { migrate } from './migrate.js';
import { Listener, type Notice } from './notifications.js';
import { PgAudit, PgTemplates } from './pg-audit.js';
import { PgHosts } from './pg-hosts.js';
import { PgBatchedRecords } from './pg-batched-records.js';
import { PgRecords, PgSettings, PgUsers } from './pg-records.js';
import { WriteQueue } from './write-queue.js';
import { redactUrl } from './redact.js';

export interface PgStoreOptions {
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

/** Told after a change from another instance was applied to this one's copy, in commit order; kind
 *  "reload" after every record was read again (at open, and when the notification connection came back). */
export type ChangeListener = (notice: Notice) => void | Promise<void>;

export class PgStore implements Store {
  readonly hosts: PgHosts;
  readonly profiles: ProfileRepository & PgRecords<Profile>;
  readonly rules: RuleRepository & PgRecords<Rule>;
  readonly installers: InstallerRepository & PgRecords<Installer>;
  readonly webhooks: WebhookRepository & PgRecords<Webhook>;
  readonly bmcCredentials: BmcCredentialRepository & PgRecords<BmcCredentialSet>;
  readonly expectedHosts: ExpectedHostRepository & PgBatchedRecords<ExpectedHost>;
  readonly tagDefinitions: TagDefinitionRepository & PgRecords<TagDefinition>;
  readonly users: PgUsers;
  readonly settings: PgSettings;
  readonly audit: PgAudit;
  readonly templates: PgTemplates;
  private listener: Listener | undefined;
  private readonly locks = new Map<string, ClusterLock>();
  private readonly changeListeners: ChangeListener[] = [];
  private barrierRunning: Promise<void> | undefined;
  private barrierNext: Promise<void> | undefined;

  private constructor(
    readonly pool: pg.Pool,
    private readonly db: Db,
    private readonly url: string,
  ) {
    this.hosts = new PgHosts(db, () => this.catchUp());
    this.profiles = new PgRecords<Profile>(db, 'profiles', 'profile', byName);
    this.rules = new PgRecords<Rule>(db, 'rules', 'rule', byPriorityThenName);
    this.installers = new PgRecords<Installer>(db, 'installers', 'installer', byName);
    this.webhooks = new PgRecords<Webhook>(db, 'webhooks', 'webhook', byName);
    this.bmcCredentials = new PgRecords<BmcCredentialSet>(db, 'bmc_credentials', 'bmc-credentials', byName);
    this.expectedHosts = new PgBatchedRecords<ExpectedHost>(
      db,
      'expected_hosts',
      'expected-host',
      (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      (e) => e.id,
    );
    this.tagDefinitions = new PgRecords<TagDefinition>(db, 'tag_definitions', 'tag-definition', byName);
    this.users = new PgUsers(db, 'users', 'user', byName);
    this.settings = new PgSettings(db);
    this.audit = new PgAudit(db);
    this.templates = new PgTemplates(db);
  }

  static async open(url: string, options: PgStoreOptions = {}): Promise<PgStore> {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      application_name: 'kickstand',
      // Bounded waits: an unreachable database or an instance stuck holding the hosts lock gives 503s
      // the %pre retries, never requests that hang.
      connectionTimeoutMillis: 5_000,
      lock_timeout: 30_000,
      statement_timeout: 60_000,
    });
    // An idle connection the server dropped must not crash the process; the next query reconnects.
    pool.on('error', (err) => options.log?.warn({ err }, 'a database connection was lost'));
    const queue = new WriteQueue(options.log, (key) => void store?.refused(key));
    const instance = randomUUID();
    let store: PgStore | undefined;
    try {
      await migrate(pool);
      const opened = (store = new PgStore(pool, { pool, queue, instance }, url));
      // Listening before loading: a change committed while we load is applied after it, never lost.
      store.listener = await Listener.start(
        instance,
        { connectionString: url, application_name: 'kickstand-listen', connectionTimeoutMillis: 5_000 },
        (notice) => opened.apply(notice),
        () => opened.load(),
        options.log,
      );
      await store.load();
      return store;
    } catch (err) {
      queue.close();
      await store?.listener?.close();
      await pool.end().catch(() => undefined);
      throw new AppError('STORAGE_UNAVAILABLE', `cannot open the database at ${redactUrl(url)}: ${messageOf(err)}`);
    }
  }

  /** Hear about other instances' changes (templates mirror, caches); see ChangeListener. */
  onChange(listener: ChangeListener): void {
    this.changeListeners.push(listener);
  }

  /** A value every instance must agree on (kickstand_meta): stored if absent, else the stored one. */
  async agree(key: string, value: unknown): Promise<unknown> {
    const { rows } = await this.pool.query<{ value: unknown }>(
      `INSERT INTO kickstand_meta (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING value`,
      [key, JSON.stringify(value)],
    );
    return rows[0]!.value;
  }

  /** Where the data is, for start-up notes (no password). */
  get where(): string {
    return redactUrl(this.url);
  }

  /** Serialises a find-then-save across every instance (one lock per name). */
  lock(name: 'hosts' | 'templates'): Lock {
    let lock = this.locks.get(name);
    if (!lock) {
      lock = new ClusterLock(
        this.pool,
        LOCK_KEYS[name],
        () => this.catchUp(),
        () => this.db.queue.settled(),
      );
      this.locks.set(name, lock);
    }
    return lock;
  }

  /** Resolves once every change another instance committed before now is in this instance's copy.
   *  Concurrent callers share barriers: at most one in flight and one waiting to start after it (a
   *  caller needs one that started after it asked), so a flood of unknown-token polls costs the
   *  database one notice per round trip, not one per poll. */
  catchUp(): Promise<void> {
    if (!this.barrierRunning) {
      const listener = this.listener;
      if (!listener) return Promise.reject(new Error('not listening to the database'));
      const running = listener.barrier(this.pool).finally(() => {
        if (this.barrierRunning === running) this.barrierRunning = undefined;
      });
      this.barrierRunning = running;
      return running;
    }
    this.barrierNext ??= this.barrierRunning
      .catch(() => undefined)
      .then(() => {
        this.barrierNext = undefined;
        return this.catchUp();
      });
    return this.barrierNext;
  }

  health(): StoreHealth {
    return { kind: 'postgres', writable: Boolean(this.listener?.connected) && this.db.queue.pending === 0 };
  }

  async close(): Promise<void> {
    await this.hosts.close();
    await this.db.queue.settled();
    this.db.queue.close();
    await this.listener?.close();
    await this.pool.end();
  }

  private async load(): Promise<void> {
    await Promise.all([
      this.hosts.load(),
      this.profiles.load(),
      this.rules.load(),
      this.installers.load(),
      this.webhooks.load(),
      this.bmcCredentials.load(),
      this.expectedHosts.load(),
      this.tagDefinitions.load(),
      this.users.load(),
      this.settings.load(),
    ]);
    for (const listener of this.changeListeners) await listener({ from: '', kind: 'reload', key: '' });
  }

  /** The database refused a write of `key` (write-queue.ts) for good: read the record back. Queue keys
   *  are `<notice kind>:<name>`, so this is the notice another instance would have sent. */
  private async refused(key: string): Promise<void> {
    const [kind = '', name = ''] = key.split(/:(.*)/s);
    await this.apply({ from: '', kind, key: name }).catch(() => this.load());
  }

  private async apply(notice: Notice): Promise<void> {
    switch (notice.kind) {
      case 'host':
        await this.hosts.refresh(notice.key);
        break;
      case 'touch':
        await this.hosts.refreshSeen(notice.key);
        break;
      case 'profile':
        await this.profiles.refresh(notice.key);
        break;
      case 'rule':
        await this.rules.refresh(notice.key);
        break;
      case 'installer':
        await this.installers.refresh(notice.key);
        break;
      case 'webhook':
        await this.webhooks.refresh(notice.key);
        break;
      case 'bmc-credentials':
        await this.bmcCredentials.refresh(notice.key);
        break;
      case 'expected-host':
        await this.expectedHosts.refresh(notice.key);
        break;
      case 'tag-definition':
        await this.tagDefinitions.refresh(notice.key);
        break;
      case 'user':
        await this.users.refresh(notice.key);
        break;
      case 'settings':
        await this.settings.refresh();
        break;
    }
    for (const listener of this.changeListeners) await listener(notice);
  }
}
