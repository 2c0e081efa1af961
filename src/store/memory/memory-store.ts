// The store in plain Maps, for unit tests: the same promises as the file store (test/store/contract/
// runs both), nothing on disk. A save keeps a structured clone, so a caller that changes an object
// after saving it does not change what is stored; reads hand out the stored values, typed Readonly.
import type { Facts } from '../../discovery/facts.js';
import type { Host } from '../../hosts/host.js';
import type { Profile } from '../../profiles/profile.js';
import { DEFAULT_SETTINGS, type Rule, type Settings } from '../../rules/rule.js';
import type { User } from '../../auth/user.js';
import { auditKind, type AuditEntry } from '../../audit/entry.js';
import type { TemplateVersion } from '../../templates/version.js';
import type { Installer } from '../../installers/installer.js';
import type { Webhook } from '../../notifications/webhook.js';
import type { BmcCredentialSet } from '../../bmc/bmc.js';
import { AuditCounts, TableHostReads, byName, byPriorityThenName, byText, queryTrail } from '../shared.js';
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
import type { ExpectedHost } from '../../expected-hosts/expected-host.js';
import type { TagDefinition } from '../../tags/tag.js';

/** A Map-backed repository of records named by `key`, listed in `order`. */
function named<T>(key: (value: T) => string, order: (a: T, b: T) => number) {
  const values = new Map<string, T>();
  return {
    values,
    list: async () => [...values.values()].sort(order),
    get: async (name: string) => values.get(name),
    save: async (value: T) => {
      values.set(key(value), structuredClone(value));
    },
    delete: async (name: string) => values.delete(name),
  };
}

/** With saveMany, and the sorted list kept until the next change (as the file store does: every
 *  registration reads the expected hosts). */
function withSaveMany<T>(repo: ReturnType<typeof named<T>>) {
  let sorted: T[] | undefined;
  return {
    ...repo,
    list: async () => (sorted ??= await repo.list()),
    save: (value: T) => {
      sorted = undefined;
      return repo.save(value);
    },
    delete: (key: string) => {
      sorted = undefined;
      return repo.delete(key);
    },
    // Every record visible at once, like one document write.
    saveMany: async (records: readonly T[]) => {
      sorted = undefined;
      await Promise.all(records.map((r) => repo.save(r)));
    },
  };
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

class MemoryHosts extends TableHostReads implements HostRepository {
  private readonly facts = new Map<string, Facts>();
  private readonly logs = new Map<string, string>();

  getLatest(id: string): Promise<Host | undefined> {
    return this.get(id);
  }

  async save(host: Host, facts?: Facts): Promise<void> {
    this.table.put(structuredClone(host));
    if (facts) this.facts.set(host.id, structuredClone(facts));
  }

  touch(id: string, at: string, ip: string): void {
    const host = this.table.get(id);
    if (!host) return;
    host.last_seen_at = at;
    host.last_seen_ip = ip;
  }

  async delete(id: string): Promise<boolean> {
    if (!this.table.drop(id)) return false;
    this.facts.delete(id);
    this.logs.delete(id);
    return true;
  }

  async getFacts(id: string): Promise<Facts | undefined> {
    return this.facts.get(id);
  }

  async saveInstallLog(id: string, log: string): Promise<void> {
    this.logs.set(id, log);
  }

  async getInstallLog(id: string): Promise<string | undefined> {
    return this.logs.get(id);
  }
}

class MemoryUsers implements UserRepository {
  private readonly users = named<User>((u) => u.name, byName);
  private readonly byTokenHash = new Map<string, string>();

  list(): Promise<User[]> {
    return this.users.list();
  }

  get(name: string): Promise<User | undefined> {
    return this.users.get(name);
  }

  async findByTokenHash(hash: string): Promise<User | undefined> {
    const name = this.byTokenHash.get(hash);
    return name === undefined ? undefined : this.users.values.get(name);
  }

  async save(user: User): Promise<void> {
    for (const t of this.users.values.get(user.name)?.tokens ?? []) this.byTokenHash.delete(t.hash);
    await this.users.save(user);
    for (const t of user.tokens) this.byTokenHash.set(t.hash, user.name);
  }

  async delete(name: string): Promise<boolean> {
    for (const t of this.users.values.get(name)?.tokens ?? []) this.byTokenHash.delete(t.hash);
    return this.users.delete(name);
  }
}

class MemoryAudit implements AuditRepository {
  private trail: AuditEntry[] = [];
  private seq = 0;
  private readonly counts = new AuditCounts([]);

  async append(entry: AuditEntry): Promise<void> {
    this.trail.push({ ...structuredClone(entry), seq: ++this.seq });
    this.trail = this.counts.add(this.trail, auditKind(entry.action), 1) ?? this.trail;
  }

  list: AuditRepository['list'] = async (query) => queryTrail(this.trail, query);
}

class MemoryTemplates implements TemplateHistoryRepository {
  private readonly versions = new Map<string, TemplateVersion[]>();

  async list(name: string): Promise<TemplateVersion[]> {
    return [...(this.versions.get(name) ?? [])];
  }

  async append(version: TemplateVersion): Promise<void> {
    this.versions.set(version.name, [...(this.versions.get(version.name) ?? []), structuredClone(version)]);
  }

  async names(): Promise<string[]> {
    return [...this.versions.keys()].sort(byText);
  }
}

export class MemoryStore implements Store {
  readonly hosts: HostRepository = new MemoryHosts();
  readonly profiles: ProfileRepository = named<Profile>((p) => p.name, byName);
  readonly rules: RuleRepository = named<Rule>((r) => r.name, byPriorityThenName);
  readonly users: UserRepository = new MemoryUsers();
  readonly installers: InstallerRepository = named<Installer>((i) => i.name, byName);
  readonly webhooks: WebhookRepository = named<Webhook>((w) => w.name, byName);
  readonly bmcCredentials: BmcCredentialRepository = named<BmcCredentialSet>((c) => c.name, byName);
  readonly expectedHosts: ExpectedHostRepository = withSaveMany(named<ExpectedHost>((e) => e.id, byId));
  readonly tagDefinitions: TagDefinitionRepository = named<TagDefinition>((t) => t.name, byName);
  readonly audit: AuditRepository = new MemoryAudit();
  readonly templates: TemplateHistoryRepository = new MemoryTemplates();
  readonly settings: SettingsRepository;

  constructor() {
    let settings: Settings = { ...DEFAULT_SETTINGS };
    this.settings = {
      get: async () => settings,
      save: async (next) => {
        settings = structuredClone(next);
      },
    };
  }

  health(): StoreHealth {
    return { kind: 'memory', writable: true };
  }

  async close(): Promise<void> {
    // Nothing pending, nothing open.
  }
}
