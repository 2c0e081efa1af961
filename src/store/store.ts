// Where Kickstand keeps hosts. One interface, one lowdb implementation (lowdb-store.ts), and fakes for
// tests. Reads see every save at once; a save's promise resolves only once it is on disk, which is
// what lets a registration be acknowledged only when it is durable.
import type { Facts } from '../discovery/facts.js';
import type { Host } from '../hosts/host.js';
import type { Profile } from '../profiles/profile.js';
import type { Rule, Settings } from '../rules/rule.js';
import type { User } from '../auth/user.js';
import type { AuditEntry, AuditQuery } from '../audit/audit.js';
import type { TemplateVersion } from '../templates/version.js';
import type { Installer } from '../installers/installer.js';

export interface Identity {
  boot_mac: string;
  macs: string[];
  uuid?: string;
}

export interface Store {
  /** The host with this id. Returned objects are the store's own: treat them as read-only. */
  getHost(id: string): Promise<Host | undefined>;
  /** The host that booted from this MAC. */
  findByBootMac(mac: string): Promise<Host | undefined>;
  /** The host with this (real, normalised) DMI system UUID. */
  findByUuid(uuid: string): Promise<Host | undefined>;
  /** The host that holds this hostname (case-insensitive). */
  findByHostname(hostname: string): Promise<Host | undefined>;
  /** Every host, most recently seen first. */
  listHosts(): Promise<Host[]>;
  /** Replace the host (and its facts, when given): visible to reads at once, resolves once durable. */
  saveHost(host: Host, facts?: Facts): Promise<void>;
  /** Note that a host was seen (time and IP). May be lost in a crash: written with the next save,
   *  because a poll every few seconds from every machine must not cost a disk write. */
  touchHost(id: string, at: string, ip: string): void;
  /** Remove the host and its facts; resolves once durable. False if there was no such host. */
  deleteHost(id: string): Promise<boolean>;
  /** The full facts of a host, read from beside the hot document. */
  getFacts(id: string): Promise<Facts | undefined>;
  /** Every profile, by name. */
  listProfiles(): Promise<Profile[]>;
  getProfile(name: string): Promise<Profile | undefined>;
  /** Create or replace; resolves once durable. */
  saveProfile(profile: Profile): Promise<void>;
  deleteProfile(name: string): Promise<boolean>;
  /** Every rule, by priority then name (the order rules are tried in). */
  listRules(): Promise<Rule[]>;
  getRule(name: string): Promise<Rule | undefined>;
  /** Create or replace; resolves once durable. */
  saveRule(rule: Rule): Promise<void>;
  deleteRule(name: string): Promise<boolean>;
  getSettings(): Promise<Settings>;
  saveSettings(settings: Settings): Promise<void>;
  /** Every user, by name. */
  listUsers(): Promise<User[]>;
  getUser(name: string): Promise<User | undefined>;
  /** The user owning the API token with this hash. */
  findUserByTokenHash(hash: string): Promise<User | undefined>;
  /** Create or replace; resolves once durable. */
  saveUser(user: User): Promise<void>;
  deleteUser(name: string): Promise<boolean>;
  /** Add to the audit trail, numbering it (`seq`); past its kind's cap (AUDIT_CAPS), the oldest entry
   *  of that kind goes. Resolves once durable. */
  appendAudit(entry: AuditEntry): Promise<void>;
  /** The audit trail, newest first, filtered and cut as the query says (all of it without one). */
  listAudit(query?: AuditQuery): Promise<AuditEntry[]>;
  /** The tail of the installer's logs a failed install sent (replaces the previous one); durable. */
  saveInstallLog(id: string, log: string): Promise<void>;
  getInstallLog(id: string): Promise<string | undefined>;
  /** Installers added through the API, by name (those of the config file are not stored). */
  listInstallers(): Promise<Installer[]>;
  /** Create or replace; resolves once durable. */
  saveInstaller(installer: Installer): Promise<void>;
  deleteInstaller(name: string): Promise<boolean>;
  /** Every saved version of a template, oldest first (empty when it was never saved here). */
  listTemplateVersions(name: string): Promise<TemplateVersion[]>;
  /** Append a version; resolves once durable. */
  appendTemplateVersion(version: TemplateVersion): Promise<void>;
  /** Flush what is pending and release files. */
  close(): Promise<void>;
}
