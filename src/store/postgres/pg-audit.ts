// The audit trail and the template history on PostgreSQL: append-only, read where they are (not
// copied in memory: nothing on a hot path reads them). The trail's seq is the table's bigserial, so
// entries from every instance share one order.
import type pg from 'pg';
import { AUDIT_CAPS, auditKind, type AuditEntry, type AuditKind, type AuditQuery } from '../../audit/entry.js';
import type { TemplateVersion } from '../../templates/version.js';
import type { AuditRepository, TemplateHistoryRepository } from '../store.js';
import { AppError, messageOf } from '../../errors.js';
import { LOCK_KEYS } from './cluster-lock.js';
import { jsonb, read, writeAndNotify, type Db } from './db.js';
import { CHANNEL, noticePayload } from './notifications.js';
import { byText } from '../shared.js';

export class PgAudit implements AuditRepository {
  /** Entries appended and not yet written, in order. */
  private pending: AuditEntry[] = [];

  constructor(private readonly db: Db) {}

  append(entry: AuditEntry): Promise<void> {
    // The seq is the table's: one order for every instance.
    const { seq: _seq, ...rest } = structuredClone(entry);
    this.pending.push(rest);
    return this.db.queue.write('audit', () => this.flush());
  }

  /** Write every pending entry in one transaction, in order, holding the audit lock so every instance
   *  counts the same trail: past a kind's cap by 1% (at least 10), its oldest entries go down to the cap
   *  (the rule of AUDIT_CAPS, as the file store applies it). */
  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return;
    const client = await this.db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEYS.audit]);
      const counts = new Map<AuditKind, number>();
      for (const entry of batch) {
        const kind = auditKind(entry.action);
        await client.query('INSERT INTO audit (kind, action, actor, target, entry) VALUES ($1, $2, $3, $4, $5::json)', [
          kind,
          entry.action,
          entry.actor,
          entry.target,
          jsonb(entry),
        ]);
        let count = counts.get(kind);
        if (count === undefined)
          count = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM audit WHERE kind = $1', [kind])).rows[0]!.n);
        else count++;
        const cap = AUDIT_CAPS[kind];
        if (count > cap + Math.max(10, Math.floor(cap / 100))) {
          await client.query(
            'DELETE FROM audit WHERE kind = $1 AND seq <= (SELECT seq FROM audit WHERE kind = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1)',
            [kind, cap],
          );
          count = cap;
        }
        counts.set(kind, count);
      }
      await client.query('COMMIT');
      client.release();
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      // Back in front of anything appended since, for the retry.
      this.pending = [...batch, ...this.pending];
      throw err;
    }
  }

  async list(query?: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      where.push(sql.replace('?', `$${values.length}`));
    };
    if (query?.before !== undefined) add('seq < ?', query.before);
    if (query?.actor !== undefined) add('actor = ?', query.actor);
    if (query?.target !== undefined) add('target = ?', query.target);
    if (query?.action !== undefined) {
      if (query.action.endsWith('*')) add("action LIKE ? ESCAPE '\\'", `${query.action.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`);
      else add('action = ?', query.action);
    }
    values.push(Math.min(query?.limit ?? Number.MAX_SAFE_INTEGER, 1_000_000_000));
    const { rows } = await read('the audit trail', () =>
      this.db.pool.query<{ seq: string; entry: AuditEntry }>(
        `SELECT seq, entry FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${values.length}`,
        values,
      ),
    );
    return rows.map((r) => ({ ...r.entry, seq: Number(r.seq) }));
  }
}

/** kickstand_meta's key for "the templates folder was imported" (the value says when, and how many). */
const SEEDED = 'templates_seeded';

export class PgTemplates implements TemplateHistoryRepository {
  constructor(private readonly db: Db) {}

  async list(name: string): Promise<TemplateVersion[]> {
    const { rows } = await read(`the history of template "${name}"`, () =>
      this.db.pool.query<{ record: TemplateVersion }>('SELECT record FROM template_versions WHERE name = $1 ORDER BY version', [name]),
    );
    return rows.map((r) => r.record);
  }

  /** Every template name with a history, and its latest version (the text in service). */
  async latest(): Promise<TemplateVersion[]> {
    const { rows } = await this.db.pool.query<{ record: TemplateVersion }>(
      'SELECT DISTINCT ON (name) record FROM template_versions ORDER BY name, version DESC',
    );
    return rows.map((r) => r.record);
  }

  async names(): Promise<string[]> {
    const { rows } = await read('the names of the template histories', () =>
      this.db.pool.query<{ name: string }>('SELECT DISTINCT name FROM template_versions'),
    );
    // Sorted here, not by the database's collation: every store lists names in one order.
    return rows.map((r) => r.name).sort(byText);
  }

  /** Not queued for retry like the other writes: the caller (templates/edit.ts) puts the running text
   *  back when the history does not take the version, so a failure must reach it now. */
  async append(version: TemplateVersion): Promise<void> {
    try {
      await writeAndNotify(
        this.db,
        'INSERT INTO template_versions (name, version, record) VALUES ($1, $2, $3::json) RETURNING 1',
        [version.name, version.version, jsonb(version)],
        'template',
        version.name,
      );
    } catch (err) {
      throw new AppError('STORAGE_UNAVAILABLE', `cannot add version ${version.version} of template "${version.name}": ${messageOf(err)}`);
    }
  }

  /** Whether the templates folder was imported into this database (templates/seed.ts). */
  async seeded(): Promise<boolean> {
    const { rows } = await read('whether the templates were imported', () =>
      this.db.pool.query('SELECT 1 FROM kickstand_meta WHERE key = $1', [SEEDED]),
    );
    return rows.length > 0;
  }

  /** The import of the templates folder at the first start: these versions, each with its notice, and
   *  the mark that the import was done, in one transaction — a start that dies half-way leaves nothing,
   *  and the next start imports the folder whole. */
  async seed(versions: readonly TemplateVersion[]): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.db.pool.connect();
      await client.query('BEGIN');
      for (const version of versions) {
        await client.query('INSERT INTO template_versions (name, version, record) VALUES ($1, $2, $3::json)', [
          version.name,
          version.version,
          jsonb(version),
        ]);
        await client.query('SELECT pg_notify($1, $2)', [
          CHANNEL,
          noticePayload({ from: this.db.instance, kind: 'template', key: version.name }),
        ]);
      }
      await client.query('INSERT INTO kickstand_meta (key, value) VALUES ($1, $2::jsonb)', [
        SEEDED,
        JSON.stringify({ at: new Date().toISOString(), versions: versions.length }),
      ]);
      await client.query('COMMIT');
      client.release();
    } catch (err) {
      await client?.query('ROLLBACK').catch(() => undefined);
      client?.release(true);
      throw new AppError('STORAGE_UNAVAILABLE', `cannot record the templates folder in the database: ${messageOf(err)}`);
    }
  }
}
