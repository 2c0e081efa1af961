// What every Store implementation must agree on, in one place: how hosts are looked up, the order
// lists come in, and how the audit trail is queried and kept under its caps. The contract tests (test/store/contract/) check it.
import { AUDIT_CAPS, auditKind, type AuditEntry, type AuditKind, type AuditQuery } from '../audit/entry.js';
import type { Host } from '../hosts/host.js';
import type { Rule } from '../rules/rule.js';

/** Host ids by boot MAC, real DMI UUID and lower-cased hostname. A key another host took since stays
 *  that host's when the first one is removed. */
export class HostIndex {
  private readonly byBootMac = new Map<string, string>();
  private readonly byUuid = new Map<string, string>();
  private readonly byHostname = new Map<string, string>();

  bootMac(mac: string): string | undefined {
    return this.byBootMac.get(mac);
  }

  uuid(uuid: string): string | undefined {
    return this.byUuid.get(uuid);
  }

  hostname(hostname: string): string | undefined {
    return this.byHostname.get(hostname.toLowerCase());
  }

  add(host: Host): void {
    this.byBootMac.set(host.boot_mac, host.id);
    if (host.uuid) this.byUuid.set(host.uuid, host.id);
    if (host.hostname) this.byHostname.set(host.hostname.toLowerCase(), host.id);
  }

  remove(host: Host): void {
    const drop = (map: Map<string, string>, key: string | undefined) => {
      if (key !== undefined && map.get(key) === host.id) map.delete(key);
    };
    drop(this.byBootMac, host.boot_mac);
    drop(this.byUuid, host.uuid);
    drop(this.byHostname, host.hostname?.toLowerCase());
  }
}

/** Host records by id with their lookups: what the in-memory and PostgreSQL stores hold in memory. */
export class HostTable {
  private readonly byId = new Map<string, Host>();
  private readonly index = new HostIndex();

  get(id: string): Host | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  byBootMac(mac: string): Host | undefined {
    return this.lookup(this.index.bootMac(mac));
  }

  byUuid(uuid: string): Host | undefined {
    return this.lookup(this.index.uuid(uuid));
  }

  byHostname(hostname: string): Host | undefined {
    return this.lookup(this.index.hostname(hostname));
  }

  /** Most recently seen first. */
  list(): Host[] {
    return [...this.byId.values()].sort(byLastSeen);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** Keep `host` (the object itself) in place of any host with its id. */
  put(host: Host): void {
    const previous = this.byId.get(host.id);
    if (previous) this.index.remove(previous);
    this.byId.set(host.id, host);
    this.index.add(host);
  }

  /** False when there was no such host. */
  drop(id: string): boolean {
    const host = this.byId.get(id);
    if (!host) return false;
    this.index.remove(host);
    this.byId.delete(id);
    return true;
  }

  private lookup(id: string | undefined): Host | undefined {
    return id === undefined ? undefined : this.byId.get(id);
  }
}

/** The host reads of a store that holds its hosts in a HostTable (memory, PostgreSQL's copy). */
export abstract class TableHostReads {
  protected readonly table = new HostTable();

  async get(id: string): Promise<Host | undefined> {
    return this.table.get(id);
  }

  peek(id: string): Host | undefined {
    return this.table.get(id);
  }

  async findByBootMac(mac: string): Promise<Host | undefined> {
    return this.table.byBootMac(mac);
  }

  async findByUuid(uuid: string): Promise<Host | undefined> {
    return this.table.byUuid(uuid);
  }

  async findByHostname(hostname: string): Promise<Host | undefined> {
    return this.table.byHostname(hostname);
  }

  async list(): Promise<Host[]> {
    return this.table.list();
  }
}

/** Hosts, most recently seen first. */
export function byLastSeen(a: Host, b: Host): number {
  return a.last_seen_at < b.last_seen_at ? 1 : a.last_seen_at > b.last_seen_at ? -1 : 0;
}

/** Rules in the order they are tried: priority, then name. */
export function byPriorityThenName(a: Rule, b: Rule): number {
  return a.priority - b.priority || a.name.localeCompare(b.name);
}

/** Profiles, users, installers: by name. */
export function byName(a: { name: string }, b: { name: string }): number {
  return byText(a.name, b.name);
}

/** Names on their own (template names): the order byName gives records. */
export function byText(a: string, b: string): number {
  return a.localeCompare(b);
}

/** The entries of a trail kept in append order that the query asks for, newest first. */
export function queryTrail(trail: readonly AuditEntry[], query: AuditQuery = { limit: Number.MAX_SAFE_INTEGER }): AuditEntry[] {
  const found: AuditEntry[] = [];
  const prefix = query.action?.endsWith('*') ? query.action.slice(0, -1) : undefined;
  for (let i = trail.length - 1; i >= 0 && found.length < query.limit; i--) {
    const e = trail[i]!;
    if (query.before !== undefined && (e.seq ?? 0) >= query.before) continue;
    if (query.actor !== undefined && e.actor !== query.actor) continue;
    if (query.target !== undefined && e.target !== query.target) continue;
    if (query.action !== undefined && (prefix === undefined ? e.action !== query.action : !e.action.startsWith(prefix))) continue;
    found.push(e);
  }
  return found;
}

/** Counts a trail's entries per kind. `add` adds `added` entries of `kind`; past its cap by 1% (at least
 *  10), that kind's oldest go in one pass down to the cap (a trim per append would scan the whole trail
 *  every time), and it returns the trail without them (else undefined: keep the trail as it is). */
export class AuditCounts {
  private readonly counts = new Map<AuditKind, number>();

  constructor(trail: readonly AuditEntry[]) {
    for (const e of trail) this.counts.set(auditKind(e.action), (this.counts.get(auditKind(e.action)) ?? 0) + 1);
  }

  kinds(): AuditKind[] {
    return [...this.counts.keys()];
  }

  add(trail: readonly AuditEntry[], kind: AuditKind, added: number): AuditEntry[] | undefined {
    const count = (this.counts.get(kind) ?? 0) + added;
    const cap = AUDIT_CAPS[kind];
    if (count <= cap + Math.max(10, Math.floor(cap / 100))) {
      this.counts.set(kind, count);
      return undefined;
    }
    let surplus = count - cap;
    this.counts.set(kind, cap);
    return trail.filter((e) => {
      if (surplus === 0 || auditKind(e.action) !== kind) return true;
      surplus--;
      return false;
    });
  }
}
