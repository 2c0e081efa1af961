// Where Kickstand keeps its records: one small repository per entity, gathered in `Store`. Two
// implementations: the embedded file store (file/, the default: lowdb document + host journal) and
// an in-memory one (memory/, for unit tests). test/store/contract/ holds the one contract every
// implementation passes.
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

export interface HostRepository {
  /** The host with this id. */
  get(id: string): Promise<Readonly<Host> | undefined>;
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
}

export interface Store {
  readonly hosts: HostRepository;
  readonly profiles: ProfileRepository;
  readonly rules: RuleRepository;
  readonly settings: SettingsRepository;
  readonly users: UserRepository;
  readonly installers: InstallerRepository;
  readonly audit: AuditRepository;
  readonly templates: TemplateHistoryRepository;
  /** Several instances on one database (PostgreSQL): resolves once every change another instance
   *  committed before the call is in this instance's copy. A store that is its data's only writer has
   *  nothing to catch up on and leaves it out. */
  catchUp?(): Promise<void>;
  /** Flush what is pending and release files. */
  close(): Promise<void>;
}
