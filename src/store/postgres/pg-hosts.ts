// Hosts on PostgreSQL. Every instance keeps every host record in memory (the facts stay in the
// database), so a poll — every machine, every few seconds — costs no database round trip: it reads the
// copy. The copy is kept true by notices from the other instances (notifications.ts); a write changes
// the copy first and the row after (write-queue.ts). A touch (a poll's last-seen) is gathered and
// written once a second for every host polled, never as one write per poll.
import type { Facts } from '../../discovery/facts.js';
import type { Host } from '../../hosts/host.js';
import { TableHostReads } from '../shared.js';
import type { HostRepository } from '../store.js';
import { jsonb, read, text, writeAndNotify, type Db } from './db.js';
import { CHANNEL } from './notifications.js';

const TOUCH_EVERY_MS = 1000;

interface HostRow {
  id: string;
  record: Host;
  last_seen_at: string;
  last_seen_ip: string | null;
}

export class PgHosts extends TableHostReads implements HostRepository {
  /** Facts given with a save and not yet written. */
  private readonly pendingFacts = new Map<string, Facts>();
  /** Install logs not yet written. */
  private readonly pendingLogs = new Map<string, string>();
  private touched = new Map<string, { at: string; ip: string }>();
  private readonly touchTimer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly catchUp: () => Promise<void>,
  ) {
    super();
    this.touchTimer = setInterval(() => void this.flushTouches(), TOUCH_EVERY_MS);
    this.touchTimer.unref();
  }

  /** Read every host into the copy (at open, and after a lost notification connection). */
  async load(): Promise<void> {
    const { rows } = await this.db.pool.query<HostRow>('SELECT id, record, last_seen_at, last_seen_ip FROM hosts');
    const pending = new Set([...this.pendingFacts.keys()]);
    for (const id of this.table.ids()) if (!pending.has(id)) this.table.drop(id);
    for (const row of rows) if (!pending.has(row.id)) this.table.put(hostOf(row));
  }

  /** Another instance changed this host: read it again (or drop it, when it is gone). */
  async refresh(id: string): Promise<void> {
    const { rows } = await this.db.pool.query<HostRow>('SELECT id, record, last_seen_at, last_seen_ip FROM hosts WHERE id = $1', [id]);
    if (rows[0]) this.table.put(hostOf(rows[0]));
    else this.table.drop(id);
  }

  /** Another instance wrote the last-seen times of these hosts (ids, comma-separated). */
  async refreshSeen(ids: string): Promise<void> {
    const { rows } = await this.db.pool.query<{ id: string; last_seen_at: string; last_seen_ip: string | null }>(
      'SELECT id, last_seen_at, last_seen_ip FROM hosts WHERE id = ANY($1::text[])',
      [ids.split(',')],
    );
    for (const row of rows) {
      const host = this.table.get(row.id);
      if (host && row.last_seen_at > host.last_seen_at) seen(host, row.last_seen_at, row.last_seen_ip);
    }
  }

  async getLatest(id: string): Promise<Host | undefined> {
    await read('the changes of other instances', this.catchUp);
    return this.table.get(id);
  }

  save(host: Host, facts?: Facts): Promise<void> {
    this.table.put(structuredClone(host));
    if (facts) this.pendingFacts.set(host.id, structuredClone(facts));
    return this.sync(host.id);
  }

  touch(id: string, at: string, ip: string): void {
    const host = this.table.get(id);
    if (!host) return;
    seen(host, at, ip);
    this.touched.set(id, { at, ip });
  }

  delete(id: string): Promise<boolean> {
    if (!this.table.has(id)) return Promise.resolve(false);
    this.table.drop(id);
    this.pendingFacts.delete(id);
    this.pendingLogs.delete(id);
    return this.sync(id).then(() => true);
  }

  async getFacts(id: string): Promise<Facts | undefined> {
    const pending = this.pendingFacts.get(id);
    if (pending) return pending;
    const { rows } = await read(`the facts of host ${id}`, () =>
      this.db.pool.query<{ facts: Facts | null }>('SELECT facts FROM hosts WHERE id = $1', [id]),
    );
    return rows[0]?.facts ?? undefined;
  }

  saveInstallLog(id: string, log: string): Promise<void> {
    this.pendingLogs.set(id, log);
    return this.db.queue.write(`host-log:${id}`, async () => {
      const latest = this.pendingLogs.get(id);
      if (latest === undefined) return;
      await this.db.pool.query('INSERT INTO install_logs (id, log) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET log = EXCLUDED.log', [
        id,
        text(latest),
      ]);
      if (this.pendingLogs.get(id) === latest) this.pendingLogs.delete(id);
    });
  }

  async getInstallLog(id: string): Promise<string | undefined> {
    const pending = this.pendingLogs.get(id);
    if (pending !== undefined) return pending;
    const { rows } = await read(`the install log of host ${id}`, () =>
      this.db.pool.query<{ log: string }>('SELECT log FROM install_logs WHERE id = $1', [id]),
    );
    return rows[0]?.log;
  }

  /** Write what is pending and stop the timer. */
  async close(): Promise<void> {
    clearInterval(this.touchTimer);
    await this.flushTouches();
  }

  private sync(id: string): Promise<void> {
    return this.db.queue.write(`host:${id}`, () => this.writeHost(id));
  }

  /** Bring the row in line with the copy: upsert it, or delete it when the copy has no such host. */
  private async writeHost(id: string): Promise<void> {
    const host = this.table.get(id);
    if (!host) {
      await this.db.pool.query('DELETE FROM install_logs WHERE id = $1', [id]);
      await writeAndNotify(this.db, 'DELETE FROM hosts WHERE id = $1 RETURNING 1', [id], 'host', id);
      return;
    }
    const facts = this.pendingFacts.get(id);
    await writeAndNotify(
      this.db,
      `INSERT INTO hosts (id, boot_mac, uuid, hostname, state, last_seen_at, last_seen_ip, record, facts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json, $9::jsonb)
       ON CONFLICT (id) DO UPDATE SET boot_mac = EXCLUDED.boot_mac, uuid = EXCLUDED.uuid, hostname = EXCLUDED.hostname,
         state = EXCLUDED.state, record = EXCLUDED.record, facts = COALESCE(EXCLUDED.facts, hosts.facts),
         last_seen_ip = CASE WHEN EXCLUDED.last_seen_at >= hosts.last_seen_at THEN EXCLUDED.last_seen_ip ELSE hosts.last_seen_ip END,
         last_seen_at = GREATEST(hosts.last_seen_at, EXCLUDED.last_seen_at)
       RETURNING 1`,
      [
        id,
        host.boot_mac,
        host.uuid ?? null,
        host.hostname ?? null,
        host.state,
        host.last_seen_at,
        host.last_seen_ip ?? null,
        jsonb(host),
        facts ? jsonb(facts) : null,
      ],
      'host',
      id,
    );
    // Only the facts this write carried: newer ones given meanwhile wait for their own write.
    if (facts && this.pendingFacts.get(id) === facts) this.pendingFacts.delete(id);
  }

  private flushTouches(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (!this.touched.size) return;
      const batch = this.touched;
      this.touched = new Map();
      const ids = [...batch.keys()];
      const ats = ids.map((id) => batch.get(id)!.at);
      const ips = ids.map((id) => batch.get(id)!.ip);
      try {
        // One statement: the update, and notices naming the hosts it changed (at most 400 ids a
        // notice, under PostgreSQL's 8,000-byte payload), so the others re-read just those rows by key.
        // Rows are locked first, in id order: every instance has a batch of the same hosts to write
        // each second (a machine's polls land on all of them), and two batches locking rows in the
        // orders of their own plans deadlock — PostgreSQL then waits a second and fails one.
        await this.db.pool.query(
          `WITH changed AS (
             UPDATE hosts h SET last_seen_at = v.at, last_seen_ip = v.ip
             FROM (SELECT l.id, t.at, t.ip FROM hosts l JOIN unnest($1::text[], $2::text[], $3::text[]) AS t(id, at, ip) ON l.id = t.id
                   WHERE l.last_seen_at < t.at ORDER BY l.id FOR UPDATE OF l) AS v
             WHERE h.id = v.id AND h.last_seen_at < v.at RETURNING h.id),
           chunks AS (SELECT string_agg(id, ',') AS ids FROM (SELECT id, (row_number() OVER () - 1) / 400 AS n FROM changed) c GROUP BY n)
           SELECT pg_notify($4, json_build_array($5::text, 'touch', ids)::text) FROM chunks`,
          [ids, ats, ips, CHANNEL, this.db.instance],
        );
      } catch {
        // Kept for the next flush (a newer touch of the same host wins): last-seen is allowed to lag.
        for (const [id, t] of batch) if (!this.touched.has(id)) this.touched.set(id, t);
      }
    });
    return this.flushing;
  }
}

function hostOf(row: HostRow): Host {
  const host = row.record;
  seen(host, row.last_seen_at, row.last_seen_ip);
  return host;
}

function seen(host: Host, at: string, ip: string | null): void {
  host.last_seen_at = at;
  if (ip === null) delete host.last_seen_ip;
  else host.last_seen_ip = ip;
}
