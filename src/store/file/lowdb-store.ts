// The embedded store. lowdb holds the small, rarely written data (profiles, rules, settings, users,
// installers, webhooks, audit) in `kickstand.json`; hosts and their facts live in an append-only journal
// (`hosts.jsonl`, host-journal.ts), so a registration costs one appended record, not a rewrite of every
// host. Writes from one turn of the event loop share one group commit (write-coalescer.ts): one for the
// journal, one for the document, so a document that cannot be written (a read-only or full disk) does
// not turn registrations away while the journal still takes them, and the other way round.
//
// When the disk refuses a write (full, read-only, permissions, I/O error), the callers get
// 503 STORAGE_UNAVAILABLE naming the file and errno, the change stays in memory (reads see it) and
// pending, and a retry timer writes it as soon as the disk takes it again: nothing acknowledged is
// lost, and what was refused is stored once the disk is back (disk-outage.ts). At each successful open,
// the files that just loaded are copied to `<file>.last-good`, the way back if a file is later damaged
// (last-good.ts).
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import type { Facts } from '../../discovery/facts.js';
import type { Host } from '../../hosts/host.js';
import type { Profile } from '../../profiles/profile.js';
import { DEFAULT_SETTINGS, type Rule, type Settings } from '../../rules/rule.js';
import type { User } from '../../auth/user.js';
import { auditKind, type AuditEntry, type AuditQuery } from '../../audit/entry.js';
import { AuditCounts, HostIndex, byLastSeen, byName, byPriorityThenName, byText, queryTrail } from '../shared.js';
import type {
  AuditRepository,
  HostRepository,
  InstallerRepository,
  ProfileRepository,
  RuleRepository,
  SettingsRepository,
  Store,
  StoreHealth,
  TemplateHistoryRepository,
  UserRepository,
  WebhookRepository,
  BmcCredentialRepository,
  ExpectedHostRepository,
  TagDefinitionRepository,
} from '../store.js';
import type { TemplateVersion } from '../../templates/version.js';
import type { Installer } from '../../installers/installer.js';
import type { Webhook } from '../../notifications/webhook.js';
import type { BmcCredentialSet } from '../../bmc/bmc.js';
import type { ExpectedHost } from '../../expected-hosts/expected-host.js';
import type { TagDefinition } from '../../tags/tag.js';
import { WriteCoalescer } from './write-coalescer.js';
import { DiskOutage } from './disk-outage.js';
import { HostJournal, loadJournal, type LoadedJournal } from './host-journal.js';
import { DocumentFile } from './document-file.js';
import { asDiskWriteError, dotTemp, writeFileAtomic } from './disk-write.js';
import { otherHolder } from './data-lock.js';
import { LAST_GOOD, StoreOpenError, keepLastGood } from './last-good.js';
import { DIR_MODE, tightenModes } from './file-modes.js';
import { AppError, messageOf, errnoOf } from '../../errors.js';
import type { Logger } from '../../log.js';

interface Document {
  /** 1: hosts in this document (before the journal); 2: hosts in hosts.jsonl. */
  format: 1 | 2;
  /** Only read from a format-1 document, to move its hosts into the journal. */
  hosts?: Record<string, Host>;
  profiles: Record<string, Profile>;
  rules: Record<string, Rule>;
  settings: Settings;
  users: Record<string, User>;
  audit: AuditEntry[];
  installers: Record<string, Installer>;
  /** Absent from documents written before webhooks existed (read as none). */
  webhooks?: Record<string, Webhook>;
  /** Absent from documents written before BMC credential sets existed (read as none). */
  bmc_credentials?: Record<string, BmcCredentialSet>;
  /** Absent from documents written before expected hosts existed (read as none). */
  expected_hosts?: Record<string, ExpectedHost>;
  /** Absent from documents written before tag definitions existed (read as none). */
  tag_definitions?: Record<string, TagDefinition>;
}

export const DATA_FILE = 'kickstand.json';
export const HOSTS_FILE = 'hosts.jsonl';
const HISTORY_SUFFIX = '.json';

/** `record[key] = value` as an own property whatever the key: an id that came in an import may be
 *  "__proto__", which plain assignment would take as the object's prototype (and lose on write). */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

function emptyDocument(): Document {
  return {
    format: 2,
    profiles: {},
    rules: {},
    settings: { ...DEFAULT_SETTINGS },
    users: {},
    audit: [],
    installers: {},
    webhooks: {},
    bmc_credentials: {},
    expected_hosts: {},
    tag_definitions: {},
  };
}

export interface StoreOptions {
  /** Where write failures, recoveries and start-up notes are reported (nowhere without it). */
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** First retry of refused writes, in ms; it doubles up to 5 s while the disk keeps refusing. */
  retryMs?: number;
  /** After a failed compaction, how long before the next try, in ms (default one minute). */
  compactRetryMs?: number;
  /** Secret params as they must be kept (secrets/secret-box.ts): applied at open to the params of
   *  hosts' assignments and profiles, so data written before secrets were protected is rewritten. */
  protectParams?: (params: Record<string, unknown>) => Record<string, unknown>;
}

export class LowdbStore implements Store {
  private readonly index = new HostIndex();
  private readonly byTokenHash = new Map<string, string>();
  private readonly pendingFacts = new Map<string, Facts | null>();
  /** Hosts saved or deleted since the last group commit (their current state is what gets written). */
  private readonly pendingHosts = new Set<string>();
  private readonly pendingDeletes = new Set<string>();
  private documentDirty = false;
  private readonly hostCommits: WriteCoalescer;
  private readonly documentCommits: WriteCoalescer;
  private historyWrites: Promise<void> = Promise.resolve();
  private readonly log: StoreOptions['log'];
  private readonly outage: DiskOutage;
  private compactNotBefore = 0;
  /** Entries of each audit kind in the trail, and the last seq given (see appendAudit). */
  private readonly auditCounts: AuditCounts;
  private auditSeq = 0;

  // The repositories are views over this one store: they share its document, its journal and its
  // group commits, so a host save and an audit entry from one turn of the event loop still cost one
  // commit each.
  readonly hosts: HostRepository = {
    get: (id) => this.getHost(id),
    peek: (id) => this.hostMap.get(id),
    getLatest: (id) => this.getHost(id),
    findByBootMac: (mac) => this.findByBootMac(mac),
    findByUuid: (uuid) => this.findByUuid(uuid),
    findByHostname: (hostname) => this.findByHostname(hostname),
    list: () => this.listHosts(),
    save: (host, facts) => this.saveHost(host, facts),
    touch: (id, at, ip) => {
      this.touchHost(id, at, ip);
    },
    delete: (id) => this.deleteHost(id),
    getFacts: (id) => this.getFacts(id),
    saveInstallLog: (id, log) => this.saveInstallLog(id, log),
    getInstallLog: (id) => this.getInstallLog(id),
  };
  readonly profiles: ProfileRepository = {
    list: () => this.listProfiles(),
    get: (name) => this.getProfile(name),
    save: (profile) => this.saveProfile(profile),
    delete: (name) => this.deleteProfile(name),
  };
  readonly rules: RuleRepository = {
    list: () => this.listRules(),
    get: (name) => this.getRule(name),
    save: (rule) => this.saveRule(rule),
    delete: (name) => this.deleteRule(name),
  };
  readonly settings: SettingsRepository = {
    get: () => this.getSettings(),
    save: (settings) => this.saveSettings(settings),
  };
  readonly users: UserRepository = {
    list: () => this.listUsers(),
    get: (name) => this.getUser(name),
    findByTokenHash: (hash) => this.findUserByTokenHash(hash),
    save: (user) => this.saveUser(user),
    delete: (name) => this.deleteUser(name),
  };
  readonly installers: InstallerRepository = {
    list: () => this.listInstallers(),
    save: (installer) => this.saveInstaller(installer),
    delete: (name) => this.deleteInstaller(name),
  };
  readonly webhooks: WebhookRepository = {
    list: async () => Object.values(this.db.data.webhooks ?? {}).sort(byName),
    get: async (name) => (Object.hasOwn(this.db.data.webhooks ?? {}, name) ? this.db.data.webhooks?.[name] : undefined),
    save: (webhook) => {
      (this.db.data.webhooks ??= {})[webhook.name] = structuredClone(webhook);
      return this.durable(true);
    },
    delete: (name) => {
      if (!Object.hasOwn(this.db.data.webhooks ?? {}, name)) return Promise.resolve(false);
      delete this.db.data.webhooks?.[name];
      return this.durable(true).then(() => true);
    },
  };
  readonly bmcCredentials: BmcCredentialRepository = {
    list: async () => Object.values(this.db.data.bmc_credentials ?? {}).sort(byName),
    get: async (name) => (Object.hasOwn(this.db.data.bmc_credentials ?? {}, name) ? this.db.data.bmc_credentials?.[name] : undefined),
    save: (set) => {
      (this.db.data.bmc_credentials ??= {})[set.name] = structuredClone(set);
      return this.durable(true);
    },
    delete: (name) => {
      if (!Object.hasOwn(this.db.data.bmc_credentials ?? {}, name)) return Promise.resolve(false);
      delete this.db.data.bmc_credentials?.[name];
      return this.durable(true).then(() => true);
    },
  };
  private expectedSorted: ExpectedHost[] | undefined;
  readonly expectedHosts: ExpectedHostRepository = {
    // Kept sorted until the next change: every registration reads the list (expected-hosts/claim.ts
    // indexes it once per version); sorting 20,000 records per registration would be the cost.
    list: async () =>
      (this.expectedSorted ??= Object.values(this.db.data.expected_hosts ?? {}).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))),
    get: async (id) => (Object.hasOwn(this.db.data.expected_hosts ?? {}, id) ? this.db.data.expected_hosts?.[id] : undefined),
    save: (record) => {
      this.expectedSorted = undefined;
      setOwn((this.db.data.expected_hosts ??= {}), record.id, structuredClone(record));
      return this.durable(true);
    },
    // One document write for the whole list: the write coalescer would merge them anyway, but one
    // durable promise for 10,000 records is cheaper than 10,000.
    saveMany: (records) => {
      this.expectedSorted = undefined;
      const all = (this.db.data.expected_hosts ??= {});
      for (const r of records) setOwn(all, r.id, structuredClone(r));
      return this.durable(true);
    },
    delete: (id) => {
      if (!Object.hasOwn(this.db.data.expected_hosts ?? {}, id)) return Promise.resolve(false);
      this.expectedSorted = undefined;
      delete this.db.data.expected_hosts?.[id];
      return this.durable(true).then(() => true);
    },
  };
  readonly tagDefinitions: TagDefinitionRepository = {
    list: async () => Object.values(this.db.data.tag_definitions ?? {}).sort(byName),
    get: async (name) => (Object.hasOwn(this.db.data.tag_definitions ?? {}, name) ? this.db.data.tag_definitions?.[name] : undefined),
    save: (definition) => {
      setOwn((this.db.data.tag_definitions ??= {}), definition.name, structuredClone(definition));
      return this.durable(true);
    },
    delete: (name) => {
      if (!Object.hasOwn(this.db.data.tag_definitions ?? {}, name)) return Promise.resolve(false);
      delete this.db.data.tag_definitions?.[name];
      return this.durable(true).then(() => true);
    },
  };
  readonly audit: AuditRepository = {
    append: (entry) => this.appendAudit(entry),
    list: (query) => this.listAudit(query),
  };
  readonly templates: TemplateHistoryRepository = {
    list: (name) => this.listTemplateVersions(name),
    append: (version) => this.appendTemplateVersion(version),
    names: () => this.templateNames(),
  };

  private constructor(
    private readonly dir: string,
    private readonly db: Low<Document>,
    private readonly hostMap: Map<string, Host>,
    private readonly journal: HostJournal,
    private readonly options: StoreOptions,
  ) {
    this.log = options.log;
    this.outage = new DiskOutage(
      () => {
        if (this.hostsPending()) this.hostCommits.request().catch(() => undefined);
        if (this.documentDirty) this.documentCommits.request().catch(() => undefined);
      },
      options.log,
      options.retryMs,
    );
    this.hostCommits = new WriteCoalescer(() => this.flushHosts());
    this.documentCommits = new WriteCoalescer(() => this.flushDocument());
    for (const host of hostMap.values()) this.index.add(host);
    for (const user of Object.values(db.data.users)) for (const t of user.tokens) this.byTokenHash.set(t.hash, user.name);
    this.auditCounts = this.loadAudit();
  }

  health(): StoreHealth {
    return { kind: 'file', writable: !this.outage.failing };
  }

  static async open(dir: string, options: StoreOptions = {}): Promise<LowdbStore> {
    await mkdir(path.join(dir, 'templates'), { recursive: true, mode: DIR_MODE });
    await mkdir(path.join(dir, 'logs'), { recursive: true, mode: DIR_MODE });
    const file = path.join(dir, DATA_FILE);
    const journalFile = path.join(dir, HOSTS_FILE);
    // A reader beside the running service (`kickstand boot-config` takes no lock) must not tidy up:
    // the temp files, the "torn" tail and the copies are the service's, mid-write.
    const tidy = (await otherHolder(dir)) === undefined;
    if (tidy) await tightenModes(dir, options.log);
    // Temp files a crash (or an older version) left behind: they only hold space.
    if (tidy)
      for (const leftover of [dotTemp(file), `${journalFile}.compact`, `${file}${LAST_GOOD}.tmp`, `${journalFile}${LAST_GOOD}.tmp`])
        await rm(leftover, { force: true });
    const db = new Low<Document>(new DocumentFile<Document>(file), emptyDocument());
    try {
      await db.read();
    } catch (err) {
      // Never start on an empty document over a file we could not read: that would silently forget
      // every profile, rule and user at the next write.
      throw await StoreOpenError.of(file, err);
    }
    /* eslint-disable @typescript-eslint/no-unnecessary-condition -- the file may hold any JSON; lowdb types it as what this checks for */
    if (
      typeof db.data !== 'object' ||
      db.data === null ||
      (db.data.format !== 1 && db.data.format !== 2) ||
      typeof db.data.profiles !== 'object'
    ) {
      /* eslint-enable @typescript-eslint/no-unnecessary-condition */
      throw await StoreOpenError.of(file, 'not a Kickstand data file (no "format" 1 or 2 with "profiles")');
    }
    let loaded: LoadedJournal;
    try {
      loaded = await loadJournal(journalFile);
    } catch (err) {
      throw await StoreOpenError.of(journalFile, err);
    }
    if (loaded.tornTail && tidy)
      options.log?.warn(
        { file: journalFile, offset: loaded.size },
        'hosts.jsonl ended in a record cut short (a crash mid-write, never acknowledged): dropped',
      );
    // Documents written before profiles and rules existed gain them here; hosts of a format-1
    // document move into the journal (written first, then the document without them).
    const legacy = db.data.format === 1 ? Object.values(db.data.hosts ?? {}) : [];
    db.data = { ...emptyDocument(), ...db.data, format: 2 };
    delete db.data.hosts;
    for (const host of legacy) if (!loaded.hosts.has(host.id)) loaded.hosts.set(host.id, host);
    const journal = await HostJournal.open(journalFile, loaded, { cutTornTail: tidy });
    try {
      // Facts of older layouts, one file per host in facts/, move into the journal once.
      const legacyFacts = new Map<string, Facts>();
      for (const id of loaded.hosts.keys()) {
        if (journal.hasFacts(id)) continue;
        const factsFile = path.join(dir, 'facts', `${id}.json`);
        const text = await readFile(factsFile, 'utf-8').catch(() => undefined);
        if (!text) continue;
        try {
          legacyFacts.set(id, JSON.parse(text) as Facts);
        } catch (err) {
          throw await StoreOpenError.of(factsFile, err);
        }
      }
      const unprotected = tidy && options.protectParams ? protectStored(loaded.hosts, db.data, options.protectParams) : 0;
      if (tidy && (legacy.length || legacyFacts.size || unprotected)) {
        await journal.compact(loaded.hosts, legacyFacts);
        await db.write();
        await rm(path.join(dir, 'facts'), { recursive: true, force: true });
      }
      if (unprotected) {
        // The copies of the previous start still hold the plaintext; fresh ones are made below.
        for (const f of [file, journalFile]) await rm(`${f}${LAST_GOOD}`, { force: true });
        options.log?.warn(
          { records: unprotected },
          `secret params stored in plaintext by an older version were hashed or sealed in ${unprotected} host(s) and profile(s)`,
        );
      }
    } catch (err) {
      await journal.close();
      throw err;
    }
    if (tidy) await keepLastGood(dir, [file, journalFile], options.log);
    return new LowdbStore(dir, db, loaded.hosts, journal, options);
  }

  private async getHost(id: string): Promise<Host | undefined> {
    return this.hostMap.get(id);
  }

  private async findByBootMac(mac: string): Promise<Host | undefined> {
    const id = this.index.bootMac(mac);
    return id ? this.hostMap.get(id) : undefined;
  }

  private async findByUuid(uuid: string): Promise<Host | undefined> {
    const id = this.index.uuid(uuid);
    return id ? this.hostMap.get(id) : undefined;
  }

  private async findByHostname(hostname: string): Promise<Host | undefined> {
    const id = this.index.hostname(hostname);
    return id ? this.hostMap.get(id) : undefined;
  }

  private async listHosts(): Promise<Host[]> {
    return [...this.hostMap.values()].sort(byLastSeen);
  }

  private saveHost(host: Host, facts?: Facts): Promise<void> {
    const previous = this.hostMap.get(host.id);
    if (previous) this.index.remove(previous);
    this.hostMap.set(host.id, host);
    this.index.add(host);
    this.pendingHosts.add(host.id);
    this.pendingDeletes.delete(host.id);
    if (facts) this.pendingFacts.set(host.id, facts);
    return this.durable(false);
  }

  private touchHost(id: string, at: string, ip: string): void {
    const host = this.hostMap.get(id);
    if (!host) return;
    host.last_seen_at = at;
    host.last_seen_ip = ip;
  }

  private deleteHost(id: string): Promise<boolean> {
    const host = this.hostMap.get(id);
    if (!host) return Promise.resolve(false);
    this.index.remove(host);
    this.hostMap.delete(id);
    this.pendingHosts.delete(id);
    this.pendingDeletes.add(id);
    this.pendingFacts.set(id, null);
    return this.durable(false).then(() => true);
  }

  private async getFacts(id: string): Promise<Facts | undefined> {
    const pending = this.pendingFacts.get(id);
    if (pending !== undefined) return pending ?? undefined;
    return this.journal.readFacts(id);
  }

  private async listProfiles(): Promise<Profile[]> {
    return Object.values(this.db.data.profiles).sort(byName);
  }

  private async getProfile(name: string): Promise<Profile | undefined> {
    return Object.hasOwn(this.db.data.profiles, name) ? this.db.data.profiles[name] : undefined;
  }

  private saveProfile(profile: Profile): Promise<void> {
    this.db.data.profiles[profile.name] = profile;
    return this.durable(true);
  }

  private deleteProfile(name: string): Promise<boolean> {
    if (!Object.hasOwn(this.db.data.profiles, name)) return Promise.resolve(false);
    delete this.db.data.profiles[name];
    return this.durable(true).then(() => true);
  }

  private async listRules(): Promise<Rule[]> {
    return Object.values(this.db.data.rules).sort(byPriorityThenName);
  }

  private async getRule(name: string): Promise<Rule | undefined> {
    return Object.hasOwn(this.db.data.rules, name) ? this.db.data.rules[name] : undefined;
  }

  private saveRule(rule: Rule): Promise<void> {
    this.db.data.rules[rule.name] = rule;
    return this.durable(true);
  }

  private deleteRule(name: string): Promise<boolean> {
    if (!Object.hasOwn(this.db.data.rules, name)) return Promise.resolve(false);
    delete this.db.data.rules[name];
    return this.durable(true).then(() => true);
  }

  private async getSettings(): Promise<Settings> {
    return this.db.data.settings;
  }

  private saveSettings(settings: Settings): Promise<void> {
    this.db.data.settings = settings;
    return this.durable(true);
  }

  private async listUsers(): Promise<User[]> {
    return Object.values(this.db.data.users).sort(byName);
  }

  private async getUser(name: string): Promise<User | undefined> {
    return Object.hasOwn(this.db.data.users, name) ? this.db.data.users[name] : undefined;
  }

  private async findUserByTokenHash(hash: string): Promise<User | undefined> {
    const name = this.byTokenHash.get(hash);
    return name ? this.db.data.users[name] : undefined;
  }

  private saveUser(user: User): Promise<void> {
    const previous = this.db.data.users[user.name];
    for (const t of previous?.tokens ?? []) this.byTokenHash.delete(t.hash);
    this.db.data.users[user.name] = user;
    for (const t of user.tokens) this.byTokenHash.set(t.hash, user.name);
    return this.durable(true);
  }

  private deleteUser(name: string): Promise<boolean> {
    const user = this.db.data.users[name];
    if (!user) return Promise.resolve(false);
    for (const t of user.tokens) this.byTokenHash.delete(t.hash);
    delete this.db.data.users[name];
    return this.durable(true).then(() => true);
  }

  // The trail stays one list in append order (the file format of before: an older trail loads, an
  // older Kickstand reads this one); what changed is eviction, which takes the oldest entry of the
  // kind that overflowed, never of another (audit/audit.ts).
  private appendAudit(entry: AuditEntry): Promise<void> {
    this.db.data.audit.push({ ...entry, seq: ++this.auditSeq });
    this.db.data.audit = this.auditCounts.add(this.db.data.audit, auditKind(entry.action), 1) ?? this.db.data.audit;
    return this.durable(true);
  }

  private async listAudit(query?: AuditQuery): Promise<AuditEntry[]> {
    return queryTrail(this.db.data.audit, query);
  }

  // Install logs are up to 64 KiB of text per failed host: beside the document, one file each.
  private async saveInstallLog(id: string, log: string): Promise<void> {
    try {
      await writeFileAtomic(this.logFile(id), log);
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  private async getInstallLog(id: string): Promise<string | undefined> {
    return readFile(this.logFile(id), 'utf-8').catch(() => undefined);
  }

  private async listInstallers(): Promise<Installer[]> {
    return Object.values(this.db.data.installers).sort(byName);
  }

  private saveInstaller(installer: Installer): Promise<void> {
    this.db.data.installers[installer.name] = installer;
    return this.durable(true);
  }

  private deleteInstaller(name: string): Promise<boolean> {
    if (!Object.hasOwn(this.db.data.installers, name)) return Promise.resolve(false);
    delete this.db.data.installers[name];
    return this.durable(true).then(() => true);
  }

  // Template history lives beside the hot document, one file per template: versions are whole files
  // and only grow, and a save is rare, so it is written at once rather than in the group commit.
  private async listTemplateVersions(name: string): Promise<TemplateVersion[]> {
    try {
      return JSON.parse(await readFile(this.historyFile(name), 'utf-8')) as TemplateVersion[];
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return [];
      throw new AppError('STORAGE_UNAVAILABLE', `cannot read the history of template "${name}": ${messageOf(err)}`);
    }
  }

  private appendTemplateVersion(version: TemplateVersion): Promise<void> {
    const write = async () => {
      const versions = await this.listTemplateVersions(version.name);
      versions.push(version);
      try {
        await writeFileAtomic(this.historyFile(version.name), JSON.stringify(versions));
      } catch (err) {
        throw this.unavailable(err);
      }
    };
    // One writer at a time: two appends must not both read N versions and both write N+1.
    const next = this.historyWrites.then(write, write);
    this.historyWrites = next.catch(() => undefined);
    return next;
  }

  private async templateNames(): Promise<string[]> {
    const files = await readdir(path.join(this.dir, 'templates')).catch((err: unknown) => {
      if (errnoOf(err) === 'ENOENT') return [];
      throw new AppError('STORAGE_UNAVAILABLE', `cannot list the template histories: ${messageOf(err)}`);
    });
    // Only whole history files: a temp file of a write under way ends in .tmp.
    return files
      .filter((f) => f.endsWith(HISTORY_SUFFIX))
      .map((f) => decodeURIComponent(f.slice(0, -HISTORY_SUFFIX.length)))
      .sort(byText);
  }

  async close(): Promise<void> {
    this.outage.stop();
    await Promise.all([this.hostCommits.idle(), this.documentCommits.idle()]);
    // Never acknowledged, but worth one more try: the disk may be back since the last retry.
    if (this.pending()) {
      await Promise.all([this.hostCommits.request(), this.documentCommits.request()]).catch((err: unknown) => {
        this.log?.error({ err }, 'closing with changes that could not be written (they were answered 503)');
      });
    }
    await this.journal.close();
  }

  private durable(documentChanged: boolean): Promise<void> {
    if (documentChanged) this.documentDirty = true;
    const commits = documentChanged ? this.documentCommits : this.hostCommits;
    return commits.request().catch((err: unknown) => {
      throw this.unavailable(err, '; the change is kept and written as soon as the disk takes it');
    });
  }

  /** 503 naming the file (relative to the data dir: the message reaches clients) and the errno; the
   *  log line (error handler) gets the full path from `detail`. */
  private unavailable(err: unknown, note = ''): AppError {
    const e = asDiskWriteError(this.dir, err);
    const name = path.relative(this.dir, e.file) || '.';
    return new AppError('STORAGE_UNAVAILABLE', `${e.message.replace(e.file, `${name} in the data dir`)}${note}`, undefined, {
      file: e.file,
      errno: e.errno,
    });
  }

  /** One group commit of the journal: facts, hosts and deletions in one append (synced), then, now and
   *  then, a compaction. */
  private async flushHosts(): Promise<void> {
    const batch = [...this.pendingFacts];
    const saves = [...this.pendingHosts].map((id) => this.hostMap.get(id)).filter((h): h is Host => h !== undefined);
    const deletions = [...this.pendingDeletes];
    this.pendingHosts.clear();
    this.pendingDeletes.clear();
    try {
      await this.journal.append(
        batch.filter((e): e is [string, Facts] => e[1] !== null),
        saves,
        deletions,
      );
    } catch (err) {
      // Not written: keep it pending, so a retry (once the disk is back) writes it.
      for (const h of saves) if (!this.pendingDeletes.has(h.id)) this.pendingHosts.add(h.id);
      for (const d of deletions) if (!this.hostMap.has(d)) this.pendingDeletes.add(d);
      this.refused(err);
      throw err;
    }
    // Forget what is now on disk, unless a newer version arrived while it was being written.
    for (const [id, facts] of batch) if (this.pendingFacts.get(id) === facts) this.pendingFacts.delete(id);
    // A deleted host's install log is only clutter once the deletion is durable: removing it may fail.
    for (const id of deletions) {
      await rm(this.logFile(id), { force: true }).catch((err: unknown) =>
        this.log?.warn({ err, file: this.logFile(id) }, 'could not remove the install log of a deleted host'),
      );
    }
    if (Date.now() >= this.compactNotBefore && this.journal.needsCompaction(this.hostMap.size)) {
      try {
        await this.journal.compact(this.hostMap);
      } catch (err) {
        // The journal is as it was (the temp file is removed): only space is wasted. Try again later.
        const retryMs = this.options.compactRetryMs ?? 60_000;
        this.compactNotBefore = Date.now() + retryMs;
        const e = asDiskWriteError(this.journal.path, err);
        this.log?.warn(
          { err, file: e.file, errno: e.errno },
          `journal compaction failed, ${HOSTS_FILE} is unchanged, next try in ${Math.round(retryMs / 1000)} s: ${e.message}`,
        );
      }
    }
    this.wrote();
  }

  /** One group commit of the document (temp file + rename: the old file stays whole if it fails). */
  private async flushDocument(): Promise<void> {
    if (!this.documentDirty) return;
    this.documentDirty = false;
    try {
      await this.db.write();
    } catch (err) {
      this.documentDirty = true;
      this.refused(err);
      throw err;
    }
    this.wrote();
  }

  private hostsPending(): boolean {
    return this.pendingHosts.size > 0 || this.pendingDeletes.size > 0 || this.pendingFacts.size > 0;
  }

  private pending(): boolean {
    return this.hostsPending() || this.documentDirty;
  }

  /** The disk refused a commit: what was refused stays pending; the outage logs it and retries. */
  private refused(err: unknown): void {
    this.outage.refused(asDiskWriteError(this.dir, err), err);
  }

  private wrote(): void {
    this.outage.wrote(this.pending());
  }

  /** Seqs for entries written before there were any, the counts per kind, and any kind over its cap
   *  (a trail of the single 5,000 cap) cut to it. */
  private loadAudit(): AuditCounts {
    const trail = this.db.data.audit;
    for (const e of trail) this.auditSeq = Math.max(this.auditSeq, e.seq ?? 0);
    for (const e of trail) e.seq ??= ++this.auditSeq;
    const counts = new AuditCounts(trail);
    for (const kind of counts.kinds()) this.db.data.audit = counts.add(this.db.data.audit, kind, 0) ?? this.db.data.audit;
    return counts;
  }

  private logFile(id: string): string {
    return path.join(this.dir, 'logs', `${id}.log`);
  }

  private historyFile(name: string): string {
    // Names hold "/" (snippets/x.njk); one flat folder with the name encoded keeps it one file each.
    return path.join(this.dir, 'templates', `${encodeURIComponent(name)}${HISTORY_SUFFIX}`);
  }
}

/** Rewrite, in place, the params of hosts' kickstart assignments and of kickstart profiles that are
 *  not kept as `protect` wants; the number of records changed. */
function protectStored(hosts: Map<string, Host>, doc: Document, protect: NonNullable<StoreOptions['protectParams']>): number {
  let changed = 0;
  for (const [id, host] of hosts) {
    if (host.assignment?.action !== 'kickstart') continue;
    const params = protect(host.assignment.params);
    if (params === host.assignment.params) continue;
    hosts.set(id, { ...host, assignment: { ...host.assignment, params } });
    changed++;
  }
  for (const [name, profile] of Object.entries(doc.profiles)) {
    if (profile.action !== 'kickstart') continue;
    const params = protect(profile.params);
    if (params === profile.params) continue;
    doc.profiles[name] = { ...profile, params };
    changed++;
  }
  return changed;
}
