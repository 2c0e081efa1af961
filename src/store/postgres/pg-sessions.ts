// The web forms' sessions on PostgreSQL (web/sessions.ts; migration 2's `sessions` table), shared by every
// instance on the database: a login through one is good through all, and a logout through any ends
// it on all. A row is found by the sha256 of the cookie's id, never the id: whoever reads the table (a
// replica, a backup, a dump) cannot sign in with it. A plain sha256 is enough: the id is 24 random
// bytes, nothing to guess from its hash. The CSRF token is kept as is: without the cookie it is worth
// nothing.
//
// An expired row is refused and deleted when read, and every instance sweeps them once a minute; a
// login past MAX_SESSIONS drops the oldest, like the memory store. When the database is away every
// call fails with 503 STORAGE_UNAVAILABLE: a page cannot tell who is asking, and a logout is not
// claimed done.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { AppError, messageOf } from '../../errors.js';
import type { Logger } from '../../log.js';
import { MAX_SESSIONS, type Session } from '../../auth/session.js';
import type { SessionRepository } from '../store.js';
import { jsonb, read } from './db.js';

const SWEEP_MS = 60_000;

/** What a row keeps: the session but its id (only hashed) and its end (the expires_at column). */
type StoredSession = Omit<Session, 'id' | 'expires'>;

export interface PgSessionsOptions {
  log?: Pick<Logger, 'warn'>;
  /** The most sessions kept (tests make it small). */
  max?: number;
}

/** The key a session's row is found by. */
export function sessionIdHash(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

export class PgSessions implements SessionRepository {
  private readonly timer: NodeJS.Timeout;
  private readonly max: number;

  constructor(
    private readonly pool: pg.Pool,
    { log, max = MAX_SESSIONS }: PgSessionsOptions = {},
  ) {
    this.max = max;
    this.timer = setInterval(() => {
      this.sweep(Date.now()).catch((err: unknown) => log?.warn({ err }, 'could not sweep expired sessions'));
    }, SWEEP_MS);
    this.timer.unref();
  }

  async add(session: Session, now: number): Promise<void> {
    const { id, expires, ...record } = session;
    // One statement: the expired rows and those past the newest max − 1 go, then the new one comes in
    // (the DELETE does not see the row the INSERT adds).
    await write('keep the new session', () =>
      this.pool.query(
        `WITH swept AS (
           DELETE FROM sessions WHERE expires_at < $4 OR id_hash IN (
             SELECT id_hash FROM sessions WHERE expires_at >= $4 ORDER BY expires_at DESC, id_hash OFFSET $5)
         )
         INSERT INTO sessions (id_hash, record, expires_at) VALUES ($1, $2::jsonb, $3)`,
        [sessionIdHash(id), jsonb(record), expires, now, this.max - 1],
      ),
    );
  }

  async get(id: string, now: number): Promise<Session | undefined> {
    const hash = sessionIdHash(id);
    const { rows } = await read('the session', () =>
      this.pool.query<{ record: StoredSession; expires_at: string }>('SELECT record, expires_at FROM sessions WHERE id_hash = $1', [hash]),
    );
    const row = rows[0];
    if (!row) return undefined;
    const expires = Number(row.expires_at); // bigint comes back as text
    if (expires < now) {
      await write('end an expired session', () =>
        this.pool.query('DELETE FROM sessions WHERE id_hash = $1 AND expires_at < $2', [hash, now]),
      );
      return undefined;
    }
    return { ...row.record, id, expires };
  }

  async delete(id: string): Promise<void> {
    await write('end the session', () => this.pool.query('DELETE FROM sessions WHERE id_hash = $1', [sessionIdHash(id)]));
  }

  /** Deletes the sessions expired by `now`. */
  async sweep(now: number): Promise<void> {
    await this.pool.query('DELETE FROM sessions WHERE expires_at < $1', [now]);
  }

  close(): void {
    clearInterval(this.timer);
  }
}

async function write<T>(doing: string, query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (err) {
    throw new AppError('STORAGE_UNAVAILABLE', `cannot ${doing} in the database: ${messageOf(err)}`);
  }
}
