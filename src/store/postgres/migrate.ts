// Brings a database to the schema this version expects (migrations.ts), at every start. Several
// instances may start at once: a session advisory lock lets one of them migrate while the others wait,
// and each migration runs in its own transaction with its version row, so a failed one leaves the
// database as it was before it. A database newer than this code (a version it does not know) is
// refused: an old instance must not write into a schema it does not understand.
import type pg from 'pg';
import { MIGRATIONS, type Migration } from './migrations.js';
import { LOCK_KEYS } from './cluster-lock.js';

export interface MigrationReport {
  applied: Migration[];
  current: number;
}

export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEYS.migrate]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      const known = new Set(migrations.map((m) => m.version));
      const unknown = [...done].filter((v) => !known.has(v));
      if (unknown.length)
        throw new Error(
          `the database has schema version ${Math.max(...unknown)}, newer than this Kickstand knows (${Math.max(...known)}): upgrade Kickstand`,
        );
      const applied: Migration[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(m);
      }
      return { applied, current: Math.max(0, ...migrations.map((m) => m.version)) };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEYS.migrate]);
    }
  } finally {
    client.release();
  }
}
