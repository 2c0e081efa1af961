// Where Kickstand keeps its records: one small repository per entity, gathered in `Store`. Three
// implementations: the embedded file store (file/, the default: lowdb document + host journal), the
// PostgreSQL one (postgres/, KICKSTAND_DATABASE_URL) and an in-memory one (memory/, for unit tests).
// test/store/contract/ holds the one contract every implementation passes; export/ moves every record
// of one store into another through these repositories alone.
//
// Shared promises: a save is visible to reads at once, and its promise resolves only once it is
// durable (on disk for the file store), which is what lets a registration be acknowledged only when
// it would survive a crash. Reads hand out the store's own values, typed `Readonly`: copy before
// changing (`{ ...host, events: [...host.events] }`) and save the copy.
import type { Facts } from '../discovery/facts.js';
import type { Host } from '../hosts/host.js';
import type { Profile } from '../profiles/profile.js';
import type { Rule, Settings } from '../rules/rule.js';
import type { User } from '../auth/user.js';
import type { AuditEntry, AuditQuery } from '../audit/entry.js';
import type { TemplateVersion } from '../templates/version.js';
import type { Installer } from '../installers/installer.js';
import type { Session } from '../auth/session.js';
import type { Webhook } from '../notifications/webhook.js';
import type { BmcCredentialSet } from '../bmc/bmc.js';
import type { ExpectedHost } from '../expected-hosts/expected-host.js';
import type { TagDefinition } from '../tags/tag.js';

export interface HostRepository {
  /** The host with this id. */
  get(id: string): Promise<Readonly<Host> | undefined>;
  /** This instance's copy of the host, synchronously: every store keeps the host records in memory
   *  (PostgreSQL's behind its notices). Only for the poll, whose answer must not cost a promise
   *  (discovery/answer-poll.ts); whatever it cannot decide from this copy goes through getLatest. */
  peek(id: string): Readonly<Host> | undefined;
  /** The host as every instance sharing the store knows it now. With PostgreSQL this first catches up
   *  with what the other instances committed (one database round trip, shared by concurrent callers);
   *  elsewhere it is get(). For a machine that may have registered through another instance a moment
   *  ago: a poll or an event with a token this instance does not know yet. */
  getLatest(id: string): Promise<Readonly<Host> | undefined>;
  /** The host that booted from this MAC. */
  findByBootMac(mac: string): Promise<Readonly<Host> | undefined>;
  /** The host with this (real, normalised) DMI system UUID. */
  findByUuid(uuid: string): Promise<Readonly<Host> | undefined>;
  /** The host that holds this hostname (case-insensitive). */
  findByHostname(hostname: string): Promise<Readonly<Host> | undefined>;
  /** Every host, most recently seen first. */
  list(): Promise<readonly Readonly<Host>[]>;
  /** Replace the host (and its facts, when given): visible to reads at once, resolves once durable. */
  save(host: Host, facts?: Facts): Promise<void>;
  /** Note that a host was seen (time and IP), visible at once. May be lost in a crash: written with the
   *  next save, because a poll every few seconds from every machine must not cost a disk write. */
  touch(id: string, at: string, ip: string): void;
  /** Remove the host and its facts; resolves once durable. False if there was no such host. */
  delete(id: string): Promise<boolean>;
  /** The full facts of a host, kept apart from the host record (listing hosts never reads them). */
  getFacts(id: string): Promise<Readonly<Facts> | undefined>;
  /** Keep the tail of the installer's logs a failed install sent (replaces the previous one); durable. */
  saveInstallLog(id: string, log: string): Promise<void>;
  /** The install log tail saved for this host, if any. */
  getInstallLog(id: string): Promise<string | undefined>;
}

export interface ProfileRepository {
  /** Every profile, by name. */
  list(): Promise<readonly Readonly<Profile>[]>;
  /** The profile with this name. */
  get(name: string): Promise<Readonly<Profile> | undefined>;
  /** Create or replace; visible at once, resolves once durable. */
  save(profile: Profile): Promise<void>;
  /** Remove; resolves once durable. False if there was no such profile. */
  delete(name: string): Promise<boolean>;
}

export interface RuleRepository {
  /** Every rule, by priority then name (the order rules are tried in). */
  list(): Promise<readonly Readonly<Rule>[]>;
  /** The rule with this name. */
  get(name: string): Promise<Readonly<Rule> | undefined>;
  /** Create or replace; visible at once, resolves once durable. */
  save(rule: Rule): Promise<void>;
  /** Remove; resolves once durable. False if there was no such rule. */
  delete(name: string): Promise<boolean>;
}

export interface SettingsRepository {
  /** The settings (DEFAULT_SETTINGS until saved). */
  get(): Promise<Readonly<Settings>>;
  /** Replace them; visible at once, resolves once durable. */
  save(settings: Settings): Promise<void>;
}

export interface UserRepository {
  /** Every user, by name. */
  list(): Promise<readonly Readonly<User>[]>;
  /** The user with this name. */
  get(name: string): Promise<Readonly<User> | undefined>;
  /** The user owning the API token with this hash. */
  findByTokenHash(hash: string): Promise<Readonly<User> | undefined>;
  /** Create or replace (its tokens with it); visible at once, resolves once durable. */
  save(user: User): Promise<void>;
  /** Remove the user and its tokens; resolves once durable. False if there was no such user. */
  delete(name: string): Promise<boolean>;
}

export interface InstallerRepository {
  /** Installers added through the API, by name (those of the config file are not stored). */
  list(): Promise<readonly Readonly<Installer>[]>;
  /** Create or replace; visible at once, resolves once durable. */
  save(installer: Installer): Promise<void>;
  /** Remove; resolves once durable. False if there was no such installer. */
  delete(name: string): Promise<boolean>;
}

export interface WebhookRepository {
  /** Every webhook, by name. */
  list(): Promise<readonly Readonly<Webhook>[]>;
  /** The webhook with this name. */
  get(name: string): Promise<Readonly<Webhook> | undefined>;
  /** Create or replace; visible at once, resolves once durable. */
  save(webhook: Webhook): Promise<void>;
  /** Remove; resolves once durable. False if there was no such webhook. */
  delete(name: string): Promise<boolean>;
}

export interface BmcCredentialRepository {
  /** Every BMC credential set, by name. */
  list(): Promise<readonly Readonly<BmcCredentialSet>[]>;
  /** The set with this name. */
  get(name: string): Promise<Readonly<BmcCredentialSet> | undefined>;
  /** Create or replace; visible at once, resolves once durable. */
  save(set: BmcCredentialSet): Promise<void>;
  /** Remove; resolves once durable. False if there was no such set. */
  delete(name: string): Promise<boolean>;
}

export interface ExpectedHostRepository {
  /** Every expected-host record, by id. */
  list(): Promise<readonly Readonly<ExpectedHost>[]>;
  /** The record with this id. */
  get(id: string): Promise<Readonly<ExpectedHost> | undefined>;
  /** Create or replace; visible at once, resolves once durable. */
  save(record: ExpectedHost): Promise<void>;
  /** Create or replace many (an import of a whole packing list) as one write: visible at once,
   *  resolves once all are durable. */
  saveMany(records: readonly ExpectedHost[]): Promise<void>;
  /** Remove; resolves once durable. False if there was no such record. */
  delete(id: string): Promise<boolean>;
}

export interface TagDefinitionRepository {
  /** Every automatic tag definition, by name. */
  list(): Promise<readonly Readonly<TagDefinition>[]>;
  /** The definition of this tag. */
  get(name: string): Promise<Readonly<TagDefinition> | undefined>;
  /** Create or replace; visible at once, resolves once durable. */
  save(definition: TagDefinition): Promise<void>;
  /** Remove; resolves once durable. False if there was no such definition. */
  delete(name: string): Promise<boolean>;
}

export interface AuditRepository {
  /** Add to the trail, numbering it (`seq`); past its kind's cap (AUDIT_CAPS), the oldest entries of
   *  that kind go. Resolves once durable. */
  append(entry: AuditEntry): Promise<void>;
  /** The trail, newest first, filtered and cut as the query says (all of it without one). */
  list(query?: AuditQuery): Promise<readonly Readonly<AuditEntry>[]>;
}

export interface TemplateHistoryRepository {
  /** Every saved version of a template, oldest first (empty when it was never saved here). */
  list(name: string): Promise<readonly Readonly<TemplateVersion>[]>;
  /** Append a version (one writer at a time); resolves once durable. */
  append(version: TemplateVersion): Promise<void>;
  /** The name of every template with a saved history, sorted (`kickstand data export` walks them). */
  names(): Promise<string[]>;
}

/** Whether the store takes writes now: what GET /healthz reports. */
export interface StoreHealth {
  /** "file", "postgres" or "memory". */
  kind: string;
  /** False while writes are refused (a full or read-only disk, an unreachable database): they answer
   *  503 and are retried; reads and waiting machines' polls go on. */
  writable: boolean;
}

/** The web forms' sessions (web/sessions.ts), kept apart from the Store: in memory beside the file
 *  store (file/memory-sessions.ts), in the database every instance shares (postgres/pg-sessions.ts). */
export interface SessionRepository {
  /** Keep a new session until it expires or is deleted, dropping the oldest past MAX_SESSIONS. */
  add(session: Session, now: number): Promise<void>;
  /** The session with this id, unless there is none or it expired by `now` (then it is deleted). */
  get(id: string, now: number): Promise<Session | undefined>;
  /** End the session, for every instance sharing the repository; nothing if there is none. */
  delete(id: string): Promise<void>;
  /** Stop any timer it runs. */
  close(): void;
}

export interface Store {
  readonly hosts: HostRepository;
  readonly profiles: ProfileRepository;
  readonly rules: RuleRepository;
  readonly settings: SettingsRepository;
  readonly users: UserRepository;
  readonly installers: InstallerRepository;
  readonly webhooks: WebhookRepository;
  /** BMC credential sets (bmc/credentials.ts); passwords sealed like webhook secrets. */
  readonly bmcCredentials: BmcCredentialRepository;
  /** Machines announced before they arrive (expected-hosts/). */
  readonly expectedHosts: ExpectedHostRepository;
  /** Automatic tag definitions (tags/). */
  readonly tagDefinitions: TagDefinitionRepository;
  readonly audit: AuditRepository;
  readonly templates: TemplateHistoryRepository;
  /** Whether writes go through now. */
  health(): StoreHealth;
  /** Flush what is pending and release files. */
  close(): Promise<void>;
}
