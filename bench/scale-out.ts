// `npm run bench`, the PostgreSQL series (BENCH_ONLY=pg; docs/performance.md, "PostgreSQL and several
// instances"): registrations/s and polls/s on the file store (one instance), then on PostgreSQL with
// one instance and with three, all with wrk in this run (bench/wrk.ts), so each PostgreSQL figure is a
// ratio against the file store measured beside it, and three instances against one.
//
// The database is a throwaway cluster like the tests' (test/support/postgres-cluster.ts: a Unix socket
// only, fsync off), a fresh database for each part; the instances listen on 127.0.0.1 and share the
// first one's secret.key. On a 2-core machine three instances, PostgreSQL and wrk share two cores: the
// 3-instance figures measure contention, not scale.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startCluster, type Cluster } from '../test/support/postgres-cluster.js';
import { wrkPolls, wrkRegistrations, type WrkResult } from './wrk.js';

/** What the series takes from bench/run.ts. */
export interface SeriesKit {
  /** Seconds of each wrk run. */
  duration: number;
  record(row: { figure: string; value: number; unit: string; note?: string }): void;
  startService(dataDir: string, env: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }>;
  registerMany(url: string, first: number, n: number): Promise<{ id: string; token: string }[]>;
  api(url: string, method: string, route: string): Promise<{ status: number; json: any }>;
}

const WAITING_HOSTS = 1000;
const POLL_CONNECTIONS = 100;
const REGISTER_CONNECTIONS = 64;

interface Part {
  polls: WrkResult;
  registrations: WrkResult;
  /** Statements the database ran during the polls (every instance's), per 1,000 polls. */
  statementsPer1000Polls?: number;
}

/** One part: `instances` services (on `database`, else each on its own file store), 1,000 waiting hosts
 *  polled, then registrations of new machines, each for `kit.duration` seconds. */
async function part(kit: SeriesKit, instances: number, database?: { url: string; meter?: pg.Client }): Promise<Part> {
  const dirs = Array.from({ length: instances }, () => mkdtempSync(path.join(os.tmpdir(), 'kickstand-bench-pg-')));
  const env: Record<string, string> = database ? { KICKSTAND_DATABASE_URL: database.url } : {};
  const services = [await kit.startService(dirs[0]!, env)];
  try {
    for (const dir of dirs.slice(1)) copyFileSync(path.join(dirs[0]!, 'secret.key'), path.join(dir, 'secret.key'));
    services.push(...(await Promise.all(dirs.slice(1).map((dir) => kit.startService(dir, env)))));
    const urls = services.map((s) => s.url);
    const hosts = await kit.registerMany(urls[0]!, 0, WAITING_HOSTS);
    // Every instance has heard of every host (NOTIFY) before it is polled.
    for (const url of urls) {
      for (let i = 0; (await kit.api(url, 'GET', '/api/v1/hosts')).json.hosts.length < WAITING_HOSTS; i++) {
        if (i > 100) throw new Error(`${url} does not list the ${WAITING_HOSTS} hosts registered through ${urls[0]}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const before = database?.meter ? await statements(database.meter) : 0;
    const polls = await wrkPolls(urls, hosts, kit.duration, dirs[0]!, { connections: POLL_CONNECTIONS });
    // The last second's last-seen batch belongs to these polls.
    await new Promise((r) => setTimeout(r, 1_200));
    const after = database?.meter ? await statements(database.meter) : 0;
    const polled = polls.requestsPerSecond * kit.duration;
    const registrations = await wrkRegistrations(urls, kit.duration, dirs[0]!, { connections: REGISTER_CONNECTIONS });
    return { polls, registrations, ...(database?.meter ? { statementsPer1000Polls: ((after - before) / polled) * 1000 } : {}) };
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** A new database in the cluster, and a connection to it that counts its statements (when the cluster
 *  preloads pg_stat_statements). */
export async function newDatabase(cluster: Cluster, name: string): Promise<{ url: string; meter?: pg.Client }> {
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(cluster.url);
  url.pathname = `/${name}`;
  if (!cluster.statements) return { url: url.toString() };
  const meter = new pg.Client({ connectionString: url.toString() });
  await meter.connect();
  await meter.query('CREATE EXTENSION pg_stat_statements');
  return { url: url.toString(), meter };
}

async function statements(meter: pg.Client): Promise<number> {
  const { rows } = await meter.query<{ calls: string | null }>(
    `SELECT sum(calls) AS calls FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'`,
  );
  return Number(rows[0]!.calls ?? 0);
}

export async function postgresSeries(kit: SeriesKit): Promise<void> {
  const cluster = await startCluster();
  const meters: pg.Client[] = [];
  try {
    const file = await part(kit, 1);
    const one = await newDatabase(cluster, 'bench_one');
    const three = await newDatabase(cluster, 'bench_three');
    meters.push(...[one.meter, three.meter].filter((m) => m !== undefined));
    const pg1 = await part(kit, 1, one);
    const pg3 = await part(kit, 3, three);

    const bad = (p: Part) =>
      `non-2xx ${p.registrations.non2xx} / ${p.polls.non2xx}, socket errors ${p.registrations.socketErrors} / ${p.polls.socketErrors} (registrations / polls)`;
    const row = (figure: string, value: number, unit: string, note?: string) =>
      kit.record({ figure, value: unit.endsWith('/s') ? Math.round(value) : value, unit, ...(note ? { note } : {}) });
    const CORES = `${os.availableParallelism()} cores for 3 instances, PostgreSQL and wrk: contention, not scale`;
    row('file store, 1 instance: registrations/s', file.registrations.requestsPerSecond, 'reg/s', bad(file));
    row(`file store, 1 instance: polls/s (${WAITING_HOSTS.toLocaleString('en')} hosts)`, file.polls.requestsPerSecond, 'req/s');
    row('PostgreSQL, 1 instance: registrations/s', pg1.registrations.requestsPerSecond, 'reg/s', bad(pg1));
    row('PostgreSQL, 1 instance: polls/s', pg1.polls.requestsPerSecond, 'req/s');
    row('PostgreSQL, 3 instances: registrations/s', pg3.registrations.requestsPerSecond, 'reg/s', `${bad(pg3)}; ${CORES}`);
    row('PostgreSQL, 3 instances: polls/s', pg3.polls.requestsPerSecond, 'req/s', CORES);
    const ratio = (a: WrkResult, b: WrkResult) => a.requestsPerSecond / b.requestsPerSecond;
    row('PostgreSQL 1 instance ÷ file store: registrations', ratio(pg1.registrations, file.registrations), '×');
    row('PostgreSQL 1 instance ÷ file store: polls', ratio(pg1.polls, file.polls), '×');
    row('PostgreSQL 3 instances ÷ file store: registrations', ratio(pg3.registrations, file.registrations), '×', CORES);
    row('PostgreSQL 3 instances ÷ file store: polls', ratio(pg3.polls, file.polls), '×', CORES);
    row('PostgreSQL 3 instances ÷ 1 instance: registrations', ratio(pg3.registrations, pg1.registrations), '×', CORES);
    row('PostgreSQL 3 instances ÷ 1 instance: polls', ratio(pg3.polls, pg1.polls), '×', CORES);
    if (pg1.statementsPer1000Polls !== undefined && pg3.statementsPer1000Polls !== undefined)
      row(
        'PostgreSQL: database statements per 1,000 polls',
        pg1.statementsPer1000Polls,
        'stmts',
        `3 instances: ${pg3.statementsPer1000Polls.toFixed(2)} (pg_stat_statements, every connection)`,
      );
  } finally {
    for (const meter of meters) await meter.end();
    await cluster.stop();
  }
}
