// Profiles, rules, installers, webhooks, BMC credential sets, users and the settings on PostgreSQL: small tables of JSONB records
// named by a key, each copied in memory in every instance (the API and every render read them) and
// kept true by the other instances' notices, like the hosts (pg-hosts.ts).
import type { User } from '../../auth/user.js';
import { DEFAULT_SETTINGS, type Settings } from '../../rules/rule.js';
import type { SettingsRepository, UserRepository } from '../store.js';
import { jsonb, writeAndNotify, type Db } from './db.js';

/** One table `table (name text primary key, record jsonb)`, copied in memory, listed in `order`. */
export class PgRecords<T extends object> {
  protected readonly values = new Map<string, T>();

  constructor(
    protected readonly db: Db,
    protected readonly table:
      'profiles' | 'rules' | 'installers' | 'webhooks' | 'bmc_credentials' | 'users' | 'expected_hosts' | 'tag_definitions',
    /** The notice kind other instances refresh on. */
    readonly kind: string,
    protected readonly order: (a: T, b: T) => number,
    /** The record's key (the table's `name` column): its name, or its id for expected hosts. */
    protected readonly keyOf: (value: T) => string = (value) => (value as unknown as { name: string }).name,
  ) {}

  async load(): Promise<void> {
    const { rows } = await this.db.pool.query<{ record: T }>(`SELECT record FROM ${this.table}`);
    this.values.clear();
    for (const { record } of rows) this.put(record);
  }

  async refresh(name: string): Promise<void> {
    const { rows } = await this.db.pool.query<{ record: T }>(`SELECT record FROM ${this.table} WHERE name = $1`, [name]);
    if (rows[0]) this.put(rows[0].record);
    else this.drop(name);
  }

  list = async (): Promise<T[]> => [...this.values.values()].sort(this.order);

  get = async (name: string): Promise<T | undefined> => this.values.get(name);

  save = (value: T): Promise<void> => {
    this.put(structuredClone(value));
    return this.sync(this.keyOf(value));
  };

  delete = async (name: string): Promise<boolean> => {
    if (!this.values.has(name)) return false;
    this.drop(name);
    await this.sync(name);
    return true;
  };

  protected put(value: T): void {
    this.values.set(this.keyOf(value), value);
  }

  protected drop(name: string): void {
    this.values.delete(name);
  }

  protected sync(name: string): Promise<void> {
    // Keyed by the notice kind: a write the database refuses for good is read back as a notice would be.
    return this.db.queue.write(`${this.kind}:${name}`, async () => {
      const value = this.values.get(name);
      if (value)
        await writeAndNotify(
          this.db,
          `INSERT INTO ${this.table} (name, record) VALUES ($1, $2::json)
           ON CONFLICT (name) DO UPDATE SET record = EXCLUDED.record RETURNING 1`,
          [name, jsonb(value)],
          this.kind,
          name,
        );
      else await writeAndNotify(this.db, `DELETE FROM ${this.table} WHERE name = $1 RETURNING 1`, [name], this.kind, name);
    });
  }
}

/** Users, with their API tokens found by hash. */
export class PgUsers extends PgRecords<User> implements UserRepository {
  private readonly byTokenHash = new Map<string, string>();

  findByTokenHash = async (hash: string): Promise<User | undefined> => {
    const name = this.byTokenHash.get(hash);
    return name === undefined ? undefined : this.values.get(name);
  };

  protected override put(user: User): void {
    this.drop(user.name);
    super.put(user);
    for (const t of user.tokens) this.byTokenHash.set(t.hash, user.name);
  }

  protected override drop(name: string): void {
    for (const t of this.values.get(name)?.tokens ?? []) this.byTokenHash.delete(t.hash);
    super.drop(name);
  }
}

/** The settings: one row of kickstand_meta. */
export class PgSettings implements SettingsRepository {
  private settings: Settings = { ...DEFAULT_SETTINGS };
  readonly kind = 'settings';

  constructor(private readonly db: Db) {}

  async load(): Promise<void> {
    const { rows } = await this.db.pool.query<{ value: Settings }>("SELECT value FROM kickstand_meta WHERE key = 'settings'");
    this.settings = rows[0] ? { ...DEFAULT_SETTINGS, ...rows[0].value } : { ...DEFAULT_SETTINGS };
  }

  refresh(): Promise<void> {
    return this.load();
  }

  get = async (): Promise<Settings> => this.settings;

  save = (settings: Settings): Promise<void> => {
    this.settings = structuredClone(settings);
    return this.db.queue.write('settings', () =>
      writeAndNotify(
        this.db,
        `INSERT INTO kickstand_meta (key, value) VALUES ('settings', $1::jsonb)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value RETURNING 1`,
        [jsonb(this.settings)],
        this.kind,
        'settings',
      ),
    );
  };
}
