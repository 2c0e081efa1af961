// What every PostgreSQL repository shares: the pool, the write queue, and how a write tells the other
// instances about itself (a NOTIFY in the same statement, notifications.ts).
import type pg from 'pg';
import { AppError, messageOf } from '../../errors.js';
import { CHANNEL, noticePayload } from './notifications.js';
import type { WriteQueue } from './write-queue.js';

export interface Db {
  pool: pg.Pool;
  queue: WriteQueue;
  /** This instance's id in notices. */
  instance: string;
}

/** `statement` (one INSERT/UPDATE/DELETE … RETURNING 1) and its notice, committed as one statement. A
 *  statement that changed no row sends no notice. */
export async function writeAndNotify(db: Db, statement: string, values: unknown[], kind: string, key: string): Promise<void> {
  const n = values.length;
  await db.pool.query(`WITH changed AS (${statement}) SELECT pg_notify($${n + 1}, $${n + 2}) WHERE EXISTS (SELECT 1 FROM changed)`, [
    ...values,
    CHANNEL,
    noticePayload({ from: db.instance, kind, key }),
  ]);
}

/** JSON text PostgreSQL's jsonb takes: it cannot hold U+0000, which a machine may put in any fact; it
 *  becomes U+FFFD (docs/scale-out.md). */
export function jsonb(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' && v.includes('\0') ? v.replaceAll('\0', '\uFFFD') : v));
}

/** Text columns cannot hold U+0000 either (an install log may). */
export function text(value: string): string {
  return value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value;
}

/** A read that failed: 503 naming the database, like the file store naming its file. */
export async function read<T>(what: string, query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (err) {
    throw new AppError('STORAGE_UNAVAILABLE', `cannot read ${what} from the database: ${messageOf(err)}`);
  }
}

/** Statements run and committed as one transaction with one notice (delivered at commit, so it exists
 *  exactly when the change does): a write of many rows in a few round trips, not one per row. */
export async function writeAllAndNotify(
  db: Db,
  statements: readonly { text: string; values: unknown[] }[],
  kind: string,
  key: string,
): Promise<void> {
  const client = await db.pool.connect();
  let broken: unknown;
  try {
    await client.query('BEGIN');
    for (const s of statements) await client.query(s.text, s.values);
    await client.query('SELECT pg_notify($1, $2)', [CHANNEL, noticePayload({ from: db.instance, kind, key })]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch((lost: unknown) => (broken = lost));
    throw err;
  } finally {
    // A connection that could not even roll back is not handed to the next query.
    client.release(broken instanceof Error ? broken : undefined);
  }
}
