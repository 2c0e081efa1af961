// A database of its own for a test file, in the run's throwaway cluster (postgres-cluster.ts). Absent
// PostgreSQL is a failure that says what to install, never a skip.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';

const made: string[] = [];
afterAll(async () => {
  if (!made.length) return;
  const admin = new pg.Client({ connectionString: clusterUrl() });
  await admin.connect();
  try {
    for (const name of made.splice(0)) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
});

/** The cluster's superuser URL; throws with what to install when there is no cluster. */
export function clusterUrl(): string {
  const postgres = inject('postgres');
  if ('absent' in postgres) throw new Error(postgres.absent);
  return postgres.url;
}

/** A new, empty database, dropped when the file is done; its URL. */
export async function testDatabase(): Promise<string> {
  const name = `ks_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: clusterUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  made.push(name);
  const url = new URL(clusterUrl());
  url.pathname = `/${name}`;
  return url.toString();
}
