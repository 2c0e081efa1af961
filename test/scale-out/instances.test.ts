// Three real instances (service processes) on three ports sharing one PostgreSQL database, as they run
// behind one address: registrations spread over them, one machine registering through all three at
// once, machines polling another instance than the one they registered through, a rule's limit and
// sequence under concurrent matches on every instance, machines polling every instance in turn (whose
// last-seen batches must not deadlock), one instance killed -9 in the middle of a storm, and the poll
// that must cost no database round trip. Machines are simulated
// by their facts (bench/facts.ts: realistic ~8 KB uploads, distinct MACs, UUIDs and serials per
// machine number) sent straight to the API, many at a time; the real %pre is test/e2e's.
//
// Every instance has its own data dir and all share the first one's secret.key (the database refuses
// another key). The database is this file's own (test/support/postgres.ts), reached over the test
// cluster's Unix socket; the instances listen on 127.0.0.1 only.
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchFacts } from '../../bench/facts.js';
import { testDatabase } from '../support/postgres.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { tempDir } from '../support/temp.js';

type Json = Record<string, any>;

/** Machine numbers of each scenario (benchFacts(n): MAC 02:4b:…, UUID and serial from n). */
const SPREAD = { first: 1, count: 550 };
const SAME_MACHINE = 90_000;
const SAME_MACHINE_TIMES = 50;
const HOPPING = { first: 80_000, count: 60 };
const RULED = { first: 100_000, count: 50 };
const TOUCHED = { first: 150_000, count: 300 };
const TOUCH_SECONDS = 5;
const STORM = { first: 200_000, count: 300 };
/** The storm's instance is killed after this many acknowledgements (of any instance). */
const KILL_AFTER_ACKS = 100;
const POLLS = 1_000;
/** Database statements a poll may cost, on average: far below one (last-seen goes in batches). */
const PER_POLL_AT_MOST = 0.05;
/** How long another instance may take to show a committed change (it hears of it by NOTIFY). */
const CONVERGE_MS = 5_000;

let db: pg.Client;
const instances: ServiceProcess[] = [];
/** Instances still running (the storm kills one). */
let live: ServiceProcess[] = [];

beforeAll(async () => {
  const url = await testDatabase();
  db = new pg.Client({ connectionString: url });
  await db.connect();
  const env = {
    KICKSTAND_DATABASE_URL: url,
    // Every machine here registers from 127.0.0.1: no per-address registration limit.
    KICKSTAND_REGISTER_LIMIT: '0',
  };
  // The first instance makes secret.key; the others start with a copy (the database agrees on its fingerprint).
  const firstDir = await tempDir('kickstand-scale-');
  instances.push(await startServiceProcess({ dataDir: firstDir, env }));
  const otherDirs = [await tempDir('kickstand-scale-'), await tempDir('kickstand-scale-')];
  for (const dir of otherDirs) await copyFile(path.join(firstDir, 'secret.key'), path.join(dir, 'secret.key'));
  instances.push(...(await Promise.all(otherDirs.map((dataDir) => startServiceProcess({ dataDir, env })))));
  live = [...instances];
});

afterAll(async () => {
  for (const svc of instances) await svc.kill('SIGKILL');
  await db?.end();
});

// ---------------------------------------------------------------- machines and the API

function facts(n: number, extra: Record<string, string> = {}): Json {
  const f = benchFacts(n) as Json;
  return { ...f, extra: { ...f.extra, ...extra } };
}

const bootMac = (n: number): string => (benchFacts(n) as Json).boot_mac;

interface Answer {
  status: number;
  body: Json;
}

/** POST /api/v1/discovery; rejects when the connection fails (the instance is gone). */
async function register(svc: ServiceProcess, body: Json): Promise<Answer> {
  const res = await fetch(`${svc.url}/api/v1/discovery`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: res.ok ? (JSON.parse(text) as Json) : { text } };
}

async function poll(svc: ServiceProcess, id: string, token: string): Promise<number> {
  const res = await fetch(`${svc.url}/api/v1/discovery/${id}/next`, { headers: { Authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

async function adminJson(svc: ServiceProcess, method: string, route: string, body?: unknown): Promise<Answer> {
  const res = await svc.admin(method, route, body);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

async function hostsOf(svc: ServiceProcess): Promise<Json[]> {
  const { status, body } = await adminJson(svc, 'GET', '/api/v1/hosts');
  expect(status).toBe(200);
  return body.hosts as Json[];
}

/** Boot MAC → host id, as one instance lists them; throws on a MAC listed twice. */
async function listedIds(svc: ServiceProcess): Promise<Map<string, string>> {
  const hosts = await hostsOf(svc);
  const byMac = new Map(hosts.map((h) => [h.boot_mac as string, h.id as string]));
  expect(byMac.size, `${svc.url}: hosts listed under one boot MAC`).toBe(hosts.length);
  return byMac;
}

async function dbIds(): Promise<Map<string, string>> {
  const { rows } = await db.query<{ id: string; boot_mac: string }>('SELECT id, boot_mac FROM hosts');
  return new Map(rows.map((r) => [r.boot_mac, r.id]));
}

/** What of `expected` (boot MAC → id) is not so in `actual`. */
function missingFrom(actual: Map<string, string>, expected: Map<string, string>): string[] {
  return [...expected]
    .filter(([mac, id]) => actual.get(mac) !== id)
    .map(([mac, id]) => `${mac} (id ${id}): ${actual.get(mac) ?? 'absent'}`);
}

/** Retries `check` until it stops throwing, for at most CONVERGE_MS. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const started = performance.now();
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (performance.now() - started > CONVERGE_MS) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Runs `jobs` `concurrency` at a time, in order. */
async function inParallel<T>(jobs: T[], concurrency: number, run: (job: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) {
        const i = next++;
        await run(jobs[i]!, i);
      }
    }),
  );
}

const range = (first: number, count: number): number[] => Array.from({ length: count }, (_, i) => first + i);

// ---------------------------------------------------------------- the scenarios

describe('three instances on one PostgreSQL database', () => {
  it(`When ${SPREAD.count + SAME_MACHINE_TIMES} registrations are spread over three instances, ${SAME_MACHINE_TIMES} of them one machine through every instance at once, then there is one host for that machine, ${SPREAD.count + 1} in all, and every acknowledged one is in the database and on every instance`, async () => {
    const acked = new Map<string, string>();
    const refused: string[] = [];
    const same: (Answer & { via: number })[] = [];
    let burst: Promise<unknown> | undefined;
    const sameMachineAtOnce = () =>
      Promise.all(
        Array.from({ length: SAME_MACHINE_TIMES }, async (_, i) => {
          const via = i % instances.length;
          same.push({ ...(await register(instances[via]!, facts(SAME_MACHINE))), via });
        }),
      );

    await inParallel(range(SPREAD.first, SPREAD.count), 48, async (n, i) => {
      const { status, body } = await register(instances[i % instances.length]!, facts(n));
      if (status === 201) acked.set(bootMac(n), body.id as string);
      else refused.push(`${bootMac(n)}: HTTP ${status} ${JSON.stringify(body)}`);
      // In the thick of the storm: the one machine's 50 registrations leave together.
      if (acked.size === 150) burst ??= sameMachineAtOnce();
    });
    await burst;
    const answeredAt = performance.now();
    expect(refused).toEqual([]);
    expect(
      same.filter((a) => a.status < 200 || a.status > 299).map((a) => `HTTP ${a.status} via #${a.via}: ${JSON.stringify(a.body)}`),
    ).toEqual([]);
    const sameIds = new Set(same.map((a) => a.body.id as string));
    expect(sameIds.size, 'ids given to the one machine').toBe(1);
    expect(
      same.filter((a) => a.status === 201),
      'registrations that created it',
    ).toHaveLength(1);
    expect(new Set(same.map((a) => a.via)).size).toBe(instances.length);
    acked.set(bootMac(SAME_MACHINE), [...sameIds][0]!);

    // The database: one row per machine, every acknowledged one under the id it was given.
    const stored = await dbIds();
    expect(stored.size).toBe(SPREAD.count + 1);
    expect(missingFrom(stored, acked)).toEqual([]);
    const { rows } = await db.query<{ uuids: string }>('SELECT count(DISTINCT uuid) AS uuids FROM hosts');
    expect(Number(rows[0]!.uuids)).toBe(SPREAD.count + 1);

    // Every instance lists the same hosts (the others hear of a commit by NOTIFY, a moment later).
    await eventually(async () => {
      for (const svc of instances) {
        const listed = await listedIds(svc);
        expect(missingFrom(listed, acked), svc.url).toEqual([]);
        expect(listed.size, svc.url).toBe(SPREAD.count + 1);
      }
    });

    const lag = performance.now() - answeredAt;

    // Each registration issued a new token and only the last one counts, on every instance alike.
    const id = [...sameIds][0]!;
    for (const svc of instances) {
      const statuses = await Promise.all(same.map((a) => poll(svc, id, a.body.token as string)));
      expect(
        statuses.filter((s) => s === 202),
        `${svc.url}: tokens of the one machine that poll`,
      ).toHaveLength(1);
      expect(statuses.filter((s) => s === 401)).toHaveLength(SAME_MACHINE_TIMES - 1);
    }
    console.log(
      `scale-out: ${SPREAD.count + SAME_MACHINE_TIMES} registrations over 3 instances → ${stored.size} hosts; every instance listed them all within ${Math.round(lag)} ms of the last answer`,
    );
  });

  it(`When ${HOPPING.count} machines register through one instance and poll at once through another, then the first poll is answered 202, also after registering again elsewhere`, async () => {
    // Behind one address each request may land on another instance; the one polled may not have heard
    // of the registration yet. A 401 there would send the %pre back to register (a new token, again).
    const refused: string[] = [];
    await inParallel(range(HOPPING.first, HOPPING.count), 8, async (n, i) => {
      for (const hop of [0, 1]) {
        const via = instances[(i + hop) % instances.length]!;
        const next = instances[(i + hop + 1) % instances.length]!;
        const { status, body } = await register(via, facts(n));
        expect(status, `${bootMac(n)} registering`).toBe(hop === 0 ? 201 : 200);
        const polled = await poll(next, body.id as string, body.token as string);
        if (polled !== 202) refused.push(`${bootMac(n)}: registered through ${via.url}, polled through ${next.url}: HTTP ${polled}`);
      }
    });
    expect(refused).toEqual([]);
  });

  it('When 50 machines matching a rule with limit 5 and a seq() hostname register at once through three instances with auto-provisioning on, then exactly 5 are assigned, with 5 distinct hostnames', async () => {
    const [a, b, c] = instances as [ServiceProcess, ServiceProcess, ServiceProcess];
    // Each admin change through another instance: every instance must hear of each before the storm.
    expect(
      (
        await adminJson(a, 'POST', '/api/v1/profiles', {
          name: 'scale',
          action: 'kickstart',
          template: 'rhel.ks.njk',
          params: { repo: 'http://192.0.2.20/rhel9/BaseOS/x86_64/os', version: '9', root_password_hash: '$6$abc$xyz' },
        })
      ).status,
    ).toBe(201);
    const rule = await adminJson(b, 'POST', '/api/v1/rules', {
      name: 'scale-five',
      expression: 'extra.batch == "rules"',
      profile: 'scale',
      hostname_pattern: 'scale-{{ seq(3) }}.example.com',
      limit: 5,
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    expect((await adminJson(c, 'PATCH', '/api/v1/settings', { auto_provision: true })).status).toBe(200);
    try {
      await eventually(async () => {
        for (const svc of instances) {
          expect((await adminJson(svc, 'GET', '/api/v1/rules/scale-five')).status, svc.url).toBe(200);
          expect((await adminJson(svc, 'GET', '/api/v1/profiles/scale')).status, svc.url).toBe(200);
          expect((await adminJson(svc, 'GET', '/api/v1/settings')).body.auto_provision, svc.url).toBe(true);
        }
      });

      const answers = await Promise.all(
        range(RULED.first, RULED.count).map((n, i) => register(instances[i % instances.length]!, facts(n, { batch: 'rules' }))),
      );
      expect(answers.filter((x) => x.status !== 201).map((x) => `HTTP ${x.status} ${JSON.stringify(x.body)}`)).toEqual([]);
      const ids = new Set(answers.map((x) => x.body.id as string));

      // The answer comes after the rules ran: what the database holds now is final.
      const { rows } = await db.query<{ id: string; hostname: string | null; state: string; rule: string | null }>(
        `SELECT id, hostname, state, record -> 'assignment' ->> 'rule' AS rule FROM hosts WHERE id = ANY($1)`,
        [[...ids]],
      );
      expect(rows).toHaveLength(RULED.count);
      const assigned = rows.filter((r) => r.rule === 'scale-five');
      expect(assigned, 'hosts the rule assigned').toHaveLength(5);
      expect(assigned.every((r) => r.state === 'assigned')).toBe(true);
      expect(assigned.map((r) => r.hostname).sort()).toEqual([1, 2, 3, 4, 5].map((i) => `scale-00${i}.example.com`));
      expect(rows.filter((r) => r.rule === null).every((r) => r.state === 'discovered' && r.hostname === null)).toBe(true);
      const { rows: all } = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM hosts WHERE record -> 'assignment' ->> 'rule' = 'scale-five'`,
      );
      expect(Number(all[0]!.n), 'hosts of the rule in the whole database').toBe(5);

      // Every instance shows the same five, and the rule's sequence where the next instance would go on.
      await eventually(async () => {
        for (const svc of instances) {
          const mine = (await hostsOf(svc)).filter((h) => h.assignment?.rule === 'scale-five');
          expect(mine.map((h) => h.hostname as string).sort(), svc.url).toEqual(assigned.map((r) => r.hostname).sort());
          expect((await adminJson(svc, 'GET', '/api/v1/rules/scale-five')).body.sequence, svc.url).toBe(5);
        }
      });
    } finally {
      // The storm that follows registers machines no rule matches: no rule runs for them.
      expect((await adminJson(a, 'PATCH', '/api/v1/settings', { auto_provision: false })).status).toBe(200);
      await eventually(async () => {
        for (const svc of instances) expect((await adminJson(svc, 'GET', '/api/v1/settings')).body.auto_provision, svc.url).toBe(false);
      });
    }
  });

  it(`When ${TOUCHED.count} machines poll through all three instances at once for ${TOUCH_SECONDS} s, then every instance writes its last-seen batch each second (the batches never deadlock)`, async () => {
    // Behind one address a machine's polls land on every instance in turn: each instance has a batch
    // of the same hosts' last-seen times to write every second, at the same moments as the others.
    const hosts: { id: string; token: string }[] = [];
    await inParallel(range(TOUCHED.first, TOUCHED.count), 16, async (n, i) => {
      const { status, body } = await register(instances[i % instances.length]!, facts(n));
      expect(status).toBe(201);
      hosts.push({ id: body.id as string, token: body.token as string });
    });
    await eventually(async () => {
      for (const svc of instances) expect((await listedIds(svc)).size, svc.url).toBeGreaterThanOrEqual(hosts.length);
    });
    const batches = await touchBatches();
    const before = await batches.read();
    const started = new Date().toISOString();
    const until = performance.now() + TOUCH_SECONDS * 1000;
    const bad: string[] = [];
    let polls = 0;
    await inParallel(range(0, 24), 24, async (worker) => {
      for (let k = worker; performance.now() < until; k += 24) {
        const host = hosts[k % hosts.length]!;
        const svc = instances[Math.floor(k / hosts.length + k) % instances.length]!;
        const status = await poll(svc, host.id, host.token);
        polls++;
        if (status !== 202) bad.push(`${host.id} via ${svc.url}: HTTP ${status}`);
      }
    });
    await new Promise((r) => setTimeout(r, 1_500));
    const written = (await batches.read()) - before;
    expect(bad).toEqual([]);
    console.log(
      `scale-out last-seen: ${polls} polls of ${hosts.length} machines through 3 instances in ${TOUCH_SECONDS} s; ${batches.unit}: ${written}`,
    );
    if (batches.unit === 'batches written')
      expect(written, 'last-seen batches written').toBeGreaterThanOrEqual(instances.length * (TOUCH_SECONDS - 1));
    else expect(written, 'deadlocks').toBe(0);
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM hosts WHERE id = ANY($1) AND last_seen_at >= $2', [
      hosts.map((h) => h.id),
      started,
    ]);
    expect(Number(rows[0]!.n), 'hosts whose last-seen reached the database').toBe(hosts.length);
  });

  it(`When one of three instances is killed -9 in the middle of a ${STORM.count}-registration storm, then every registration any instance acknowledged is stored and the other two keep answering`, async () => {
    const victim = instances[2]!;
    const acked = new Map<string, string>();
    /** Machines the victim acknowledged before it died, and the others: id and token. */
    const byVictim: { id: string; token: string }[] = [];
    const bySurvivors: { id: string; token: string }[] = [];
    const refused: string[] = [];
    let cut = 0;
    let killing: Promise<unknown> | undefined;

    await inParallel(range(STORM.first, STORM.count), 48, async (n, i) => {
      // Round robin over the instances still up, as a load balancer that has noticed the dead one;
      // a registration cut by the kill is sent again to the next instance (the %pre retries too).
      for (let attempt = 0; ; attempt++) {
        const svc = live[(i + attempt) % live.length]!;
        let answer: Answer;
        try {
          answer = await register(svc, facts(n));
        } catch {
          cut++;
          if (attempt > 5) throw new Error(`${bootMac(n)}: no instance answered`);
          continue;
        }
        if (answer.status === 201 || answer.status === 200) {
          acked.set(bootMac(n), answer.body.id as string);
          (svc === victim ? byVictim : bySurvivors).push({ id: answer.body.id as string, token: answer.body.token as string });
        } else refused.push(`${bootMac(n)} via ${svc.url}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
        break;
      }
      if (acked.size === KILL_AFTER_ACKS && !killing) {
        live = live.filter((s) => s !== victim);
        killing = victim.kill('SIGKILL');
      }
    });
    expect(await killing).toMatchObject({ signal: 'SIGKILL' });
    expect(refused).toEqual([]);
    expect(acked.size).toBe(STORM.count);
    expect(cut, 'registrations in flight to the victim when it died').toBeGreaterThan(0);
    expect(byVictim.length).toBeGreaterThan(0);

    const stored = await dbIds();
    const lost = missingFrom(stored, acked);
    expect(lost, 'acknowledged registrations missing from the database').toEqual([]);
    await eventually(async () => {
      for (const svc of live) expect(missingFrom(await listedIds(svc), acked), svc.url).toEqual([]);
    });

    // The survivors go on: a new machine registers through each, and the storm's machines poll there,
    // those the dead instance registered too.
    for (const [k, svc] of live.entries()) {
      const answer = await register(svc, facts(STORM.first + STORM.count + k));
      expect(answer.status, svc.url).toBe(201);
      const pollers = [...byVictim.slice(0, 10), ...bySurvivors.slice(0, 10)];
      const polled = await Promise.all(pollers.map((h) => poll(svc, h.id, h.token)));
      expect(
        polled.filter((status) => status !== 202),
        svc.url,
      ).toEqual([]);
    }
    console.log(
      `scale-out kill -9: ${STORM.count} registrations, instance #3 killed after ${KILL_AFTER_ACKS} acks; acknowledged ${acked.size} (${byVictim.length} by the killed instance), stored ${[...acked.keys()].filter((mac) => stored.has(mac)).length}, lost ${lost.length}; requests cut by the kill and sent again ${cut}`,
    );
  });

  it(`When waiting machines poll ${POLLS.toLocaleString('en')} times through one instance, then the database sees far fewer statements than polls (last-seen is written once a second)`, async () => {
    const svc = live[0]!;
    // Waiting hosts of this instance's own: fresh tokens, registered here.
    const waiting: { id: string; token: string }[] = [];
    await inParallel(range(300_000, 100), 16, async (n) => {
      const { status, body } = await register(svc, facts(n));
      expect(status).toBe(201);
      waiting.push({ id: body.id as string, token: body.token as string });
    });
    const meter = await databaseMeter();
    // Whatever the registrations left to write (a second's touches, the notices) is done.
    await new Promise((r) => setTimeout(r, 1_500));

    const before = await meter.read();
    const started = new Date().toISOString();
    const bad: number[] = [];
    await inParallel(range(0, POLLS), 16, async (_, i) => {
      const host = waiting[i % waiting.length]!;
      const status = await poll(svc, host.id, host.token);
      if (status !== 202) bad.push(status);
    });
    // The last batch of last-seen times is written within a second: it belongs to these polls.
    await new Promise((r) => setTimeout(r, 1_500));
    const after = await meter.read();
    expect(bad).toEqual([]);

    const used = after - before;
    console.log(
      `scale-out polls: ${POLLS} polls through one instance of ${live.length} cost ${used} database ${meter.unit} (${(used / POLLS).toFixed(3)} per poll), every instance counted`,
    );
    expect(used / POLLS, `database ${meter.unit} per poll`).toBeLessThan(PER_POLL_AT_MOST);
    // And last-seen did reach the database, in those batches.
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM hosts WHERE id = ANY($1) AND last_seen_at >= $2', [
      waiting.map((h) => h.id),
      started,
    ]);
    expect(Number(rows[0]!.n)).toBe(waiting.length);
  });
});

/** Database activity in this file's database, by every connection: statements run, from
 *  pg_stat_statements where the cluster preloads it (the test cluster does, when PostgreSQL ships it),
 *  else committed transactions from pg_stat_database. */
async function databaseMeter(): Promise<{ unit: string; read(): Promise<number> }> {
  if (await statementsCounted()) return { unit: 'statements', read: () => statementCalls('%') };
  return { unit: 'transactions', read: () => databaseStat('xact_commit') };
}

/** Last-seen batches (pg-hosts.ts, flushTouches) the database took: pg_stat_statements' count of that
 *  UPDATE where it is loaded; else the deadlocks pg_stat_database counted. */
async function touchBatches(): Promise<{ unit: 'batches written' | 'deadlocks'; read(): Promise<number> }> {
  if (await statementsCounted()) return { unit: 'batches written', read: () => statementCalls('%UPDATE hosts h SET last_seen_at%') };
  return { unit: 'deadlocks', read: () => databaseStat('deadlocks') };
}

/** pg_stat_statements is readable in this file's database (the cluster preloads it). */
function statementsCounted(): Promise<boolean> {
  return db
    .query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
    .then(() => db.query('SELECT 1 FROM pg_stat_statements LIMIT 1'))
    .then(
      () => true,
      () => false,
    );
}

/** Calls of the statements like `like` this file's database ran (the readings' own aside). */
async function statementCalls(like: string): Promise<number> {
  const { rows } = await db.query<{ calls: string | null }>(
    `SELECT sum(calls) AS calls FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND query LIKE $1 AND query NOT LIKE '%pg_stat_statements%'`,
    [like],
  );
  return Number(rows[0]!.calls ?? 0);
}

/** A counter of pg_stat_database for this database. PostgreSQL counts lazily (a backend reports at
 *  most once a second, an idle one within 10 s): the reading waits 11 s first. */
async function databaseStat(column: 'xact_commit' | 'deadlocks'): Promise<number> {
  await new Promise((r) => setTimeout(r, 11_000));
  const { rows } = await db.query<{ n: string }>(`SELECT ${column} AS n FROM pg_stat_database WHERE datname = current_database()`);
  return Number(rows[0]!.n);
}
