// The PostgreSQL schema at start (src/store/postgres/migrate.ts): instances starting together migrate
// once, and an older Kickstand refuses a database a newer one has migrated.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/postgres/migrate.js';
import { MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { testDatabase } from '../support/postgres.js';

const pools: pg.Pool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.end();
});

async function pool(url: string): Promise<pg.Pool> {
  const p = new pg.Pool({ connectionString: url, max: 2 });
  pools.push(p);
  return p;
}

describe('migrations', () => {
  it('When five instances start at once on an empty database, then each migration is applied once', async () => {
    const url = await testDatabase();
    const reports = await Promise.all(Array.from({ length: 5 }, async () => migrate(await pool(url))));
    expect(reports.flatMap((r) => r.applied.map((m) => m.version)).sort()).toEqual(MIGRATIONS.map((m) => m.version).sort());
    const { rows } = await (await pool(url)).query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('When the database was migrated by a newer Kickstand, then this one refuses it and changes nothing', async () => {
    const url = await testDatabase();
    const p = await pool(url);
    await migrate(p);
    const newer = Math.max(...MIGRATIONS.map((m) => m.version)) + 1;
    await p.query("INSERT INTO schema_migrations (version, name) VALUES ($1, 'from the future')", [newer]);
    await expect(migrate(p)).rejects.toThrow(`the database has schema version ${newer}, newer than this Kickstand knows`);
    const { rows } = await p.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations');
    expect(Number(rows[0]!.n)).toBe(MIGRATIONS.length + 1);
  });

  it('When a migration fails, then it leaves nothing of itself and names its version', async () => {
    const url = await testDatabase();
    const p = await pool(url);
    const broken = [...MIGRATIONS, { version: 99, name: 'broken', sql: 'CREATE TABLE half_done (x int); SELECT no_such_function();' }];
    await expect(migrate(p, broken)).rejects.toThrow('migration 99 (broken) failed');
    const { rows } = await p.query<{ t: string | null }>("SELECT to_regclass('half_done') AS t");
    expect(rows[0]!.t).toBeNull();
    expect((await migrate(p)).applied).toEqual([]);
  });
});
