// The embedded store. lowdb holds the small, rarely written data (profiles, rules, settings, users,
// installers, audit) in `kickstand.json`; hosts live in an append-only journal (`hosts.jsonl`,
// host-journal.ts), so a registration costs one appended line, not a rewrite of every host; each
// host's facts (a few KB, written once per registration) sit in `facts/<id>.json`. Writes from one
// turn of the event loop share one group commit (write-coalescer.ts).
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { Facts } from '../discovery/facts.js';
import type { Host } from '../hosts/host.js';
import type { Profile } from '../profiles/profile.js';
import { DEFAULT_SETTINGS, type Rule, type Settings } from '../rules/rule.js';
import type { User } from '../auth/user.js';
import { MAX_AUDIT, type AuditEntry } from '../audit/audit.js';
import type { Store } from './store.js';
import type { TemplateVersion } from '../templates/version.js';
import type { Installer } from '../installers/installer.js';
import { WriteCoalescer } from './write-coalescer.js';
import { HostJournal, loadJournal, type LoadedJournal } from './host-journal.js';
import { AppError } from '../errors.js';

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
}

export const DATA_FILE = 'kickstand.json';
export const HOSTS_FILE = 'hosts.jsonl';

function emptyDocument(): Document {
  return { format: 2, profiles: {}, rules: {}, settings: { ...DEFAULT_SETTINGS }, users: {}, audit: [], installers: {} };
}

export class StoreOpenError extends Error {
  constructor(file: string, cause: string) {
    super(`cannot load ${file}: ${cause}`);
    this.name = 'StoreOpenError';
  }
}

export class LowdbStore implements Store {
  private readonly byBootMac = new Map<string, string>();
  private readonly byUuid = new Map<string, string>();
  private readonly byHostname = new Map<string, string>();
  private readonly byTokenHash = new Map<string, string>();
  private readonly pendingFacts = new Map<string, Facts | null>();
  /** Hosts saved or deleted since the last group commit (their current state is what gets written). */
  private readonly pendingHosts = new Set<string>();
  private readonly pendingDeletes = new Set<string>();
  private documentDirty = false;
  private readonly coalescer: WriteCoalescer;
  private historyWrites: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly db: Low<Document>,
    private readonly hosts: Map<string, Host>,
    private readonly journal: HostJournal,
  ) {
    this.coalescer = new WriteCoalescer(() => this.flush());
    for (const host of hosts.values()) this.index(host);
    for (const user of Object.values(db.data.users)) for (const t of user.tokens) this.byTokenHash.set(t.hash, user.name);
  }

  static async open(dir: string): Promise<LowdbStore> {
    await mkdir(path.join(dir, 'templates'), { recursive: true });
    await mkdir(path.join(dir, 'logs'), { recursive: true });
    const file = path.join(dir, DATA_FILE);
    const db = new Low<Document>(new JSONFile<Document>(file), emptyDocument());
    try {
      await db.read();
    } catch (err) {
      // Never start on an empty document over a file we could not read: that would silently forget
      // every host at the next write.
      throw new StoreOpenError(file, err instanceof Error ? err.message : String(err));
    }
    if (typeof db.data !== 'object' || db.data === null || (db.data.format !== 1 && db.data.format !== 2) || typeof db.data.profiles !== 'object') {
      throw new StoreOpenError(file, 'not a Kickstand data file (no "format" 1 or 2 with "profiles")');
    }
    const journalFile = path.join(dir, HOSTS_FILE);
    let loaded: LoadedJournal;
    try {
      loaded = await loadJournal(journalFile);
    } catch (err) {
      throw new StoreOpenError(journalFile, (err as Error).message);
    }
    // Documents written before profiles and rules existed gain them here; hosts of a format-1
    // document move into the journal (written first, then the document without them).
    const legacy = db.data.format === 1 ? Object.values(db.data.hosts ?? {}) : [];
    db.data = { ...emptyDocument(), ...db.data, format: 2 };
    delete db.data.hosts;
    for (const host of legacy) if (!loaded.hosts.has(host.id)) loaded.hosts.set(host.id, host);
    const journal = await HostJournal.open(journalFile, loaded);
    // Facts of older layouts, one file per host in facts/, move into the journal once.
    const legacyFacts = new Map<string, Facts>();
    for (const id of loaded.hosts.keys()) {
      if (journal.hasFacts(id)) continue;
      const text = await readFile(path.join(dir, 'facts', `${id}.json`), 'utf-8').catch(() => undefined);
      if (text) legacyFacts.set(id, JSON.parse(text) as Facts);
    }
    if (legacy.length || legacyFacts.size) {
      await journal.compact(loaded.hosts, legacyFacts);
      await db.write();
      await rm(path.join(dir, 'facts'), { recursive: true, force: true });
    }
    return new LowdbStore(dir, db, loaded.hosts, journal);
  }

  async getHost(id: string): Promise<Host | undefined> {
    return this.hosts.get(id);
  }

  async findByBootMac(mac: string): Promise<Host | undefined> {
    const id = this.byBootMac.get(mac);
    return id ? this.hosts.get(id) : undefined;
  }

  async findByUuid(uuid: string): Promise<Host | undefined> {
    const id = this.byUuid.get(uuid);
    return id ? this.hosts.get(id) : undefined;
  }

  async findByHostname(hostname: string): Promise<Host | undefined> {
    const id = this.byHostname.get(hostname.toLowerCase());
    return id ? this.hosts.get(id) : undefined;
  }

  async listHosts(): Promise<Host[]> {
    return [...this.hosts.values()].sort((a, b) => (a.last_seen_at < b.last_seen_at ? 1 : a.last_seen_at > b.last_seen_at ? -1 : 0));
  }

  saveHost(host: Host, facts?: Facts): Promise<void> {
    const previous = this.hosts.get(host.id);
    if (previous) this.unindex(previous);
    this.hosts.set(host.id, host);
    this.index(host);
    this.pendingHosts.add(host.id);
    this.pendingDeletes.delete(host.id);
    if (facts) this.pendingFacts.set(host.id, facts);
    return this.durable(false);
  }

  touchHost(id: string, at: string, ip: string): void {
    const host = this.hosts.get(id);
    if (!host) return;
    host.last_seen_at = at;
    host.last_seen_ip = ip;
  }

  deleteHost(id: string): Promise<boolean> {
    const host = this.hosts.get(id);
    if (!host) return Promise.resolve(false);
    this.unindex(host);
    this.hosts.delete(id);
    this.pendingHosts.delete(id);
    this.pendingDeletes.add(id);
    this.pendingFacts.set(id, null);
    return this.durable(false).then(() => true);
  }

  async getFacts(id: string): Promise<Facts | undefined> {
    const pending = this.pendingFacts.get(id);
    if (pending !== undefined) return pending ?? undefined;
    return this.journal.readFacts(id);
  }


  async listProfiles(): Promise<Profile[]> {
    return Object.values(this.db.data.profiles).sort((a, b) => a.name.localeCompare(b.name));
  }

  async getProfile(name: string): Promise<Profile | undefined> {
    return Object.hasOwn(this.db.data.profiles, name) ? this.db.data.profiles[name] : undefined;
  }

  saveProfile(profile: Profile): Promise<void> {
    this.db.data.profiles[profile.name] = profile;
    return this.durable(true);
  }

  deleteProfile(name: string): Promise<boolean> {
    if (!Object.hasOwn(this.db.data.profiles, name)) return Promise.resolve(false);
    delete this.db.data.profiles[name];
    return this.durable(true).then(() => true);
  }

  async listRules(): Promise<Rule[]> {
    return Object.values(this.db.data.rules).sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
  }

  async getRule(name: string): Promise<Rule | undefined> {
    return Object.hasOwn(this.db.data.rules, name) ? this.db.data.rules[name] : undefined;
  }

  saveRule(rule: Rule): Promise<void> {
    this.db.data.rules[rule.name] = rule;
    return this.durable(true);
  }

  deleteRule(name: string): Promise<boolean> {
    if (!Object.hasOwn(this.db.data.rules, name)) return Promise.resolve(false);
    delete this.db.data.rules[name];
    return this.durable(true).then(() => true);
  }

  async getSettings(): Promise<Settings> {
    return this.db.data.settings;
  }

  saveSettings(settings: Settings): Promise<void> {
    this.db.data.settings = settings;
    return this.durable(true);
  }

  async listUsers(): Promise<User[]> {
    return Object.values(this.db.data.users).sort((a, b) => a.name.localeCompare(b.name));
  }

  async getUser(name: string): Promise<User | undefined> {
    return Object.hasOwn(this.db.data.users, name) ? this.db.data.users[name] : undefined;
  }

  async findUserByTokenHash(hash: string): Promise<User | undefined> {
    const name = this.byTokenHash.get(hash);
    return name ? this.db.data.users[name] : undefined;
  }

  saveUser(user: User): Promise<void> {
    const previous = this.db.data.users[user.name];
    for (const t of previous?.tokens ?? []) this.byTokenHash.delete(t.hash);
    this.db.data.users[user.name] = user;
    for (const t of user.tokens) this.byTokenHash.set(t.hash, user.name);
    return this.durable(true);
  }

  deleteUser(name: string): Promise<boolean> {
    const user = this.db.data.users[name];
    if (!user) return Promise.resolve(false);
    for (const t of user.tokens) this.byTokenHash.delete(t.hash);
    delete this.db.data.users[name];
    return this.durable(true).then(() => true);
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    const trail = this.db.data.audit;
    trail.push(entry);
    if (trail.length > MAX_AUDIT) trail.splice(0, trail.length - MAX_AUDIT);
    return this.durable(true);
  }

  async listAudit(): Promise<AuditEntry[]> {
    return [...this.db.data.audit].reverse();
  }

  // Install logs are up to 64 KiB of text per failed host: beside the document, like facts.
  async saveInstallLog(id: string, log: string): Promise<void> {
    const file = this.logFile(id);
    try {
      await writeFile(`${file}.tmp`, log);
      await rename(`${file}.tmp`, file);
    } catch (err) {
      throw new AppError('STORAGE_UNAVAILABLE', `cannot write the data directory: ${(err as Error).message}`);
    }
  }

  async getInstallLog(id: string): Promise<string | undefined> {
    return readFile(this.logFile(id), 'utf-8').catch(() => undefined);
  }

  async listInstallers(): Promise<Installer[]> {
    return Object.values(this.db.data.installers).sort((a, b) => a.name.localeCompare(b.name));
  }

  saveInstaller(installer: Installer): Promise<void> {
    this.db.data.installers[installer.name] = installer;
    return this.durable(true);
  }

  deleteInstaller(name: string): Promise<boolean> {
    if (!Object.hasOwn(this.db.data.installers, name)) return Promise.resolve(false);
    delete this.db.data.installers[name];
    return this.durable(true).then(() => true);
  }

  // Template history lives beside the hot document, one file per template: versions are whole files
  // and only grow, and a save is rare, so it is written at once rather than in the group commit.
  async listTemplateVersions(name: string): Promise<TemplateVersion[]> {
    try {
      return JSON.parse(await readFile(this.historyFile(name), 'utf-8')) as TemplateVersion[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new AppError('STORAGE_UNAVAILABLE', `cannot read the history of template "${name}": ${(err as Error).message}`);
    }
  }

  appendTemplateVersion(version: TemplateVersion): Promise<void> {
    const write = async () => {
      const versions = await this.listTemplateVersions(version.name);
      versions.push(version);
      const file = this.historyFile(version.name);
      try {
        await writeFile(`${file}.tmp`, JSON.stringify(versions));
        await rename(`${file}.tmp`, file);
      } catch (err) {
        throw new AppError('STORAGE_UNAVAILABLE', `cannot write the data directory: ${(err as Error).message}`);
      }
    };
    // One writer at a time: two appends must not both read N versions and both write N+1.
    const next = this.historyWrites.then(write, write);
    this.historyWrites = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.coalescer.idle();
    await this.journal.close();
  }

  private durable(documentChanged: boolean): Promise<void> {
    if (documentChanged) this.documentDirty = true;
    return this.coalescer.request().catch((err: unknown) => {
      throw new AppError('STORAGE_UNAVAILABLE', `cannot write the data directory: ${(err as Error).message}`);
    });
  }

  /** One group commit: facts, hosts and deletions in one journal append (synced), then the document if
   *  it changed, then, now and then, a compaction. */
  private async flush(): Promise<void> {
    const batch = [...this.pendingFacts];
    const saves = [...this.pendingHosts].map((id) => this.hosts.get(id)).filter((h): h is Host => h !== undefined);
    const deletions = [...this.pendingDeletes];
    const documentChanged = this.documentDirty;
    this.pendingHosts.clear();
    this.pendingDeletes.clear();
    this.documentDirty = false;
    try {
      await this.journal.append(batch.filter((e): e is [string, Facts] => e[1] !== null), saves, deletions);
      await Promise.all(deletions.map((id) => rm(this.logFile(id), { force: true })));
      if (documentChanged) await this.db.write();
    } catch (err) {
      // Not written: keep it pending, so the next commit (once the disk is back) writes it.
      for (const h of saves) if (!this.pendingDeletes.has(h.id)) this.pendingHosts.add(h.id);
      for (const d of deletions) if (!this.hosts.has(d)) this.pendingDeletes.add(d);
      if (documentChanged) this.documentDirty = true;
      throw err;
    }
    // Forget what is now on disk, unless a newer version arrived while it was being written.
    for (const [id, facts] of batch) if (this.pendingFacts.get(id) === facts) this.pendingFacts.delete(id);
    if (this.journal.needsCompaction(this.hosts.size)) await this.journal.compact(this.hosts);
  }

  private logFile(id: string): string {
    return path.join(this.dir, 'logs', `${id}.log`);
  }

  private historyFile(name: string): string {
    // Names hold "/" (snippets/x.njk); one flat folder with the name encoded keeps it one file each.
    return path.join(this.dir, 'templates', `${encodeURIComponent(name)}.json`);
  }

  private index(host: Host): void {
    this.byBootMac.set(host.boot_mac, host.id);
    if (host.uuid) this.byUuid.set(host.uuid, host.id);
    if (host.hostname) this.byHostname.set(host.hostname.toLowerCase(), host.id);
  }

  private unindex(host: Host): void {
    const drop = (map: Map<string, string>, key: string | undefined) => {
      if (key !== undefined && map.get(key) === host.id) map.delete(key);
    };
    drop(this.byBootMac, host.boot_mac);
    drop(this.byUuid, host.uuid);
    drop(this.byHostname, host.hostname?.toLowerCase());
  }
}
