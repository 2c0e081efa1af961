// Kill -9 in the middle of a registration storm. The service runs as a process of its own; 2,000
// machines with realistic facts register, 64 at a time; at a random moment (seeded: the seed is printed,
// KICKSTAND_FAULT_SEED=N replays it) the process gets SIGKILL. It must start again on the same data
// dir, and every registration that got a 2xx must be there, once, under the id it was given: the
// service answers only after the journal append is fdatasync'ed (src/store/file/host-journal.ts).
//
// Two series: one data dir that every kill point accumulates on (later storms also re-register
// machines of earlier ones, so the journal holds superseded records), and storms on fresh data dirs.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchFacts } from '../../bench/facts.js';
import { faultSeed, seededRandom, startServiceProcess, type ServiceProcess } from '../support/service-process.js';

const STORM = 2000;
const IN_FLIGHT = 64;
const CONTINUING_KILLS = 10;
const FRESH_KILLS = 5;
/** Re-registrations of earlier machines mixed into a continuing storm (after its first kill). */
const REREGISTER_SHARE = 0.1;
/** Acked machines re-registered after each restart: identity must have survived. */
const REREGISTER_AFTER = 20;

const SEED = faultSeed();
// Kill points come from their own stream, drawn up front: how many acks a storm got (timing) must not
// shift the kill points of the rounds after it. Which machines register again use the other stream.
const killRandom = seededRandom(SEED);
const random = seededRandom(SEED ^ 0x5bd1e995);
console.log(`kill-storm: seed ${SEED} (KICKSTAND_FAULT_SEED=${SEED} replays these kill points)`);

type Json = Record<string, any>;

const macs = new Map<number, string>();
const bootMac = (n: number) => {
  let mac = macs.get(n);
  if (mac === undefined) macs.set(n, (mac = (benchFacts(n) as { boot_mac: string }).boot_mac));
  return mac;
};

const dirs: string[] = [];
const services: ServiceProcess[] = [];
afterAll(async () => {
  for (const s of services) await s.kill('SIGKILL');
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function start(dataDir: string): Promise<ServiceProcess> {
  // One client IP registers thousands of machines here: no per-IP registration limit.
  const svc = await startServiceProcess({ dataDir, env: { KICKSTAND_REGISTER_LIMIT: '0' } });
  services.push(svc);
  return svc;
}

interface KillPoint {
  /** "acks": SIGKILL `delayMs` after the `acks`-th 2xx; "time": `delayMs` after the storm's start. */
  kind: 'acks' | 'time';
  acks: number;
  delayMs: number;
}

function killPoint(i: number): KillPoint {
  // Half the kills follow an acknowledgement (the service is mid-commit with ~64 requests open), half a
  // clock (which can land before the first commit, or in a compaction).
  if (i % 2 === 0) return { kind: 'acks', acks: 1 + Math.floor(killRandom() * (STORM - 1)), delayMs: Math.floor(killRandom() * 15) };
  return { kind: 'time', acks: 0, delayMs: Math.floor(killRandom() * 4000) };
}
const KILL_POINTS = {
  continuing: Array.from({ length: CONTINUING_KILLS }, (_, i) => killPoint(i)),
  fresh: Array.from({ length: FRESH_KILLS }, (_, i) => killPoint(i)),
};

interface Job {
  n: number;
  /** Set for a re-registration: the id the machine must get back, with 200. */
  knownId?: string;
}

interface StormResult {
  sent: number;
  acked: Map<number, string>;
  /** Of those, machines of earlier storms registering again. */
  ackedAgain: number;
  /** 2xx answers that broke the protocol (wrong status or id for a known machine). */
  wrong: string[];
  /** Non-2xx HTTP answers before the kill (the service refused a registration: never expected). */
  refused: string[];
  /** Requests cut by the kill (no answer). */
  cut: number;
  stormMs: number;
}

/** Registrations `IN_FLIGHT` at a time until `jobs` is done or the process is killed at `point`. */
async function storm(svc: ServiceProcess, jobs: Job[], point: KillPoint): Promise<StormResult> {
  const r: StormResult = { sent: 0, acked: new Map(), ackedAgain: 0, wrong: [], refused: [], cut: 0, stormMs: 0 };
  let killed = false;
  let killing: Promise<unknown> | undefined;
  const kill = () => {
    killing ??= svc.kill('SIGKILL').then(() => (killed = true));
  };
  const t0 = performance.now();
  const timer = point.kind === 'time' ? setTimeout(kill, point.delayMs) : undefined;
  let next = 0;
  const worker = async () => {
    while (!killed && !killing && next < jobs.length) {
      const job = jobs[next++]!;
      r.sent++;
      let res: Response;
      let body: Json;
      try {
        res = await fetch(`${svc.url}/api/v1/discovery`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(benchFacts(job.n)),
        });
        body = res.ok ? ((await res.json()) as Json) : { text: await res.text() };
      } catch {
        r.cut++;
        continue;
      }
      if (!res.ok) {
        if (!killing) r.refused.push(`${bootMac(job.n)}: HTTP ${res.status} ${JSON.stringify(body)}`);
        continue;
      }
      r.acked.set(job.n, String(body.id));
      if (job.knownId) r.ackedAgain++;
      const expected = job.knownId ? 200 : 201;
      if (res.status !== expected || (job.knownId && body.id !== job.knownId)) {
        r.wrong.push(`${bootMac(job.n)}: HTTP ${res.status} id ${body.id}, expected ${expected}${job.knownId ? ` id ${job.knownId}` : ''}`);
      }
      if (point.kind === 'acks' && r.acked.size === point.acks) setTimeout(kill, point.delayMs);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  // The storm ran to its end before the kill point: kill now (still a kill -9 of a live service).
  clearTimeout(timer);
  kill();
  await killing;
  r.stormMs = performance.now() - t0;
  return r;
}

interface Listed {
  byMac: Map<string, string>;
  count: number;
  duplicateIds: number;
  duplicateMacs: number;
}

async function listHosts(svc: ServiceProcess): Promise<Listed> {
  const res = await svc.admin('GET', '/api/v1/hosts');
  expect(res.status).toBe(200);
  const { hosts } = (await res.json()) as { hosts: { id: string; boot_mac: string }[] };
  const ids = new Set(hosts.map((h) => h.id));
  const byMac = new Map(hosts.map((h) => [h.boot_mac, h.id]));
  return { byMac, count: hosts.length, duplicateIds: hosts.length - ids.size, duplicateMacs: hosts.length - byMac.size };
}

interface RoundFigures {
  series: 'continuing' | 'fresh';
  round: number;
  kill: KillPoint;
  sent: number;
  /** Registrations of new machines answered 2xx. */
  acked: number;
  /** Re-registrations of earlier machines answered 200 (continuing series). */
  ackedAgain: number;
  /** Requests open when the process died. */
  cut: number;
  /** Hosts after the restart (all rounds so far, in the continuing series). */
  present: number;
  /** Registrations that were durable but never answered (the kill came between fsync and reply). */
  keptUnacked: number;
  lost: number;
  duplicates: number;
  stormMs: number;
  restartMs: number;
}

const figures: RoundFigures[] = [];

/**
 * One kill point: storm, SIGKILL, restart, check. `known` (machine number → host id, for every host the
 * data dir holds) is checked and updated. Returns the restarted service, left running for the next round.
 */
async function round(
  series: RoundFigures['series'],
  i: number,
  dataDir: string,
  known: Map<number, string>,
  firstN: number,
): Promise<ServiceProcess> {
  const point = KILL_POINTS[series][i]!;
  const svc = await start(dataDir);
  const jobs: Job[] = Array.from({ length: STORM }, (_, k) => ({ n: firstN + k }));
  // Earlier machines booting again while the new ones register: superseded records, compactions.
  const earlier = [...known.keys()];
  if (earlier.length) {
    for (let k = 0; k < STORM * REREGISTER_SHARE; k++) {
      const n = earlier[Math.floor(random() * earlier.length)]!;
      jobs.splice(Math.floor(random() * jobs.length), 0, { n, knownId: known.get(n)! });
    }
  }
  const result = await storm(svc, jobs, point);
  const label = `${series} #${i + 1} (seed ${SEED}, kill ${point.kind === 'acks' ? `${point.delayMs} ms after ack ${point.acks}` : `${point.delayMs} ms into the storm`})`;
  expect(result.refused, label).toEqual([]);
  expect(result.wrong, label).toEqual([]);

  const again = await start(dataDir);
  const listed = await listHosts(again);
  const sentMacs = new Map(jobs.slice(0, result.sent).map((j) => [bootMac(j.n), j.n]));
  const missing: string[] = [];
  for (const [n, id] of [...known, ...result.acked]) {
    if (listed.byMac.get(bootMac(n)) !== id) missing.push(`${bootMac(n)} (id ${id}): ${listed.byMac.get(bootMac(n)) ?? 'absent'}`);
  }
  const knownMacs = new Set([...known.keys()].map(bootMac));
  const strangers = [...listed.byMac.keys()].filter((mac) => !sentMacs.has(mac) && !knownMacs.has(mac));
  const newlyKnown = new Map(known);
  for (const [mac, id] of listed.byMac) {
    const n = sentMacs.get(mac);
    if (n !== undefined) newlyKnown.set(n, id);
  }
  const keptUnacked = [...newlyKnown.keys()].filter((n) => !known.has(n) && !result.acked.has(n)).length;
  figures.push({
    series,
    round: i + 1,
    kill: point,
    sent: result.sent,
    acked: result.acked.size - result.ackedAgain,
    ackedAgain: result.ackedAgain,
    cut: result.cut,
    present: listed.count,
    keptUnacked,
    lost: missing.length,
    duplicates: listed.duplicateIds + listed.duplicateMacs,
    stormMs: Math.round(result.stormMs),
    restartMs: Math.round(again.startupMs),
  });
  expect(missing, `${label}: acknowledged registrations lost`).toEqual([]);
  expect({ ids: listed.duplicateIds, macs: listed.duplicateMacs }, label).toEqual({ ids: 0, macs: 0 });
  expect(strangers, `${label}: hosts nobody registered`).toEqual([]);

  // Identity survived: machines acknowledged before the kill boot again and get their own host back.
  const acked = [...result.acked.keys()];
  const sample = Array.from({ length: Math.min(REREGISTER_AFTER, acked.length) }, () => acked[Math.floor(random() * acked.length)]!);
  for (const n of new Set(sample)) {
    // Its facts were in the same fdatasync'ed append as its host record.
    const detail = (await (await again.admin('GET', `/api/v1/hosts/${result.acked.get(n)}`)).json()) as Json;
    expect(detail.facts, `${label}: facts of ${bootMac(n)}`).toEqual(JSON.parse(JSON.stringify(benchFacts(n))));
    const res = await fetch(`${again.url}/api/v1/discovery`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(benchFacts(n)),
    });
    expect(res.status, `${label}: ${bootMac(n)} registering again`).toBe(200);
    expect(((await res.json()) as Json).id, label).toBe(result.acked.get(n));
  }
  expect((await listHosts(again)).count, label).toBe(listed.count);

  known.clear();
  for (const [n, id] of newlyKnown) known.set(n, id);
  return again;
}

function line(series: RoundFigures['series']): string {
  const rows = figures.filter((f) => f.series === series);
  const sum = (k: keyof RoundFigures) => rows.reduce((a, f) => a + (f[k] as number), 0);
  return `${series}: kills survived ${rows.length}, sent ${sum('sent')}, acked ${sum('acked')} new + ${sum('ackedAgain')} again, present ${rows.at(-1)?.present ?? 0}${series === 'fresh' ? ' (last dir)' : ''}, durable-but-unacked ${sum('keptUnacked')}, cut ${sum('cut')}, lost: ${sum('lost')}, duplicates: ${sum('duplicates')}, restart max ${Math.max(...rows.map((f) => f.restartMs))} ms`;
}

describe('kill -9 during a registration storm', () => {
  it(`When the service is killed at ${CONTINUING_KILLS} random points on one data dir, then every acknowledged registration is there once after each restart, with its id`, async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-kill-'));
    dirs.push(dataDir);
    const known = new Map<number, string>();
    for (let i = 0; i < CONTINUING_KILLS; i++) {
      const svc = await round('continuing', i, dataDir, known, (i + 1) * 100_000);
      await svc.kill('SIGTERM');
    }
    console.log(`kill-storm ${line('continuing')}`);
  });

  it(`When the service is killed at ${FRESH_KILLS} random points, each on a fresh data dir, then every acknowledged registration is there once`, async () => {
    for (let i = 0; i < FRESH_KILLS; i++) {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-kill-'));
      dirs.push(dataDir);
      const svc = await round('fresh', i, dataDir, new Map(), (i + 1) * 100_000);
      await svc.kill('SIGTERM');
      await rm(dataDir, { recursive: true, force: true });
    }
    console.log(`kill-storm ${line('fresh')}`);
  });
});

afterAll(async () => {
  if (!figures.length) return;
  const dir = path.join(os.tmpdir(), 'kickstand-faults');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'kill-storm.json');
  await writeFile(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), seed: SEED, storm: STORM, inFlight: IN_FLIGHT, cores: os.availableParallelism(), rounds: figures }, null, 2)}\n`,
  );
  console.log(`kill-storm figures: ${file}`);
});
