// The data dir on a real file system that fills up or turns read-only under the running service: a
// small tmpfs mounted here (root only: CI runs as root; elsewhere this file fails, it never skips).
// Promised: a refused write answers 503 STORAGE_UNAVAILABLE and logs the file and errno; the data files
// keep their bytes (no torn record left in hosts.jsonl, no temp file left behind); the service writes
// what was refused by itself once the disk takes writes again; nothing acknowledged is lost.
import { execFileSync } from 'node:child_process';
import { chmod, chown, cp, mkdir, mkdtemp, open, readFile, readdir, rm, stat, truncate } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LowdbStore } from '../../src/store/file/lowdb-store.js';
import { sampleFacts, randomMac } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { FAULT_ADMIN_TOKEN, failedStart, startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { bytes, host } from '../store/fixtures.js';

const SIZE_MB = 64;
let mnt = '';
let data = '';
let templates = '';
const servers: TestServer[] = [];
const processes: ServiceProcess[] = [];

function sh(cmd: string, ...args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function mounted(dir: string): boolean {
  try {
    sh('mountpoint', '-q', dir);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'test/faults/disk-faults.test.ts mounts a tmpfs (mount -t tmpfs) and remounts it read-only: it must run as root (CI does). Not skipped: run it as root.',
    );
  }
  mnt = await mkdtemp(path.join(os.tmpdir(), 'kickstand-tmpfs-'));
  sh('mount', '-t', 'tmpfs', '-o', `size=${SIZE_MB}m,mode=0755`, 'kickstand-faults', mnt);
  data = path.join(mnt, 'data');
  // Templates live outside the data dir (KICKSTAND_TEMPLATES); only their history is in it.
  templates = await mkdtemp(path.join(os.tmpdir(), 'kickstand-faults-templates-'));
  await cp(path.resolve('kickstarts'), templates, { recursive: true });
});

afterAll(async () => {
  for (const s of servers.splice(0)) await s.stop().catch(() => undefined);
  for (const p of processes.splice(0)) await p.kill('SIGTERM');
  // Bind mounts stacked on the data dir first, then the tmpfs; lazily if something still holds it.
  for (const dir of [data, mnt]) {
    for (let i = 0; i < 5 && dir && mounted(dir); i++) {
      try {
        sh('umount', dir);
      } catch {
        sh('umount', '-l', dir);
      }
    }
  }
  if (mnt) await rm(mnt, { recursive: true, force: true });
  if (templates) await rm(templates, { recursive: true, force: true });
});

// ---------------------------------------------------------------- helpers

const FILLER = () => path.join(mnt, 'filler');

/** Fill the tmpfs to the last page: write(2) until it says ENOSPC. */
async function fillDisk(): Promise<void> {
  const h = await open(FILLER(), 'a');
  const chunk = Buffer.alloc(1 << 20);
  try {
    for (;;) await h.write(chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await h.close();
  }
}

/** Give back `bytes` of the filler (all of it without an argument). */
async function freeDisk(bytes?: number): Promise<void> {
  if (bytes === undefined) return rm(FILLER(), { force: true });
  const { size } = await stat(FILLER());
  await truncate(FILLER(), Math.max(0, size - bytes));
}

async function start(): Promise<TestServer> {
  const s = await startTestServer({ dataDir: data, templatesDir: templates });
  servers.push(s);
  return s;
}

async function stop(s: TestServer): Promise<void> {
  servers.splice(servers.indexOf(s), 1);
  await s.stop();
}

/** Facts of ~40 KB (more than the page the journal's last record ends in): the append that meets a
 *  full disk writes part of it, then ENOSPC. */
function bigFacts(mac: string) {
  return sampleFacts({ boot_mac: mac, extra: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`pad${i}`, 'x'.repeat(4000)])) });
}

function register(s: TestServer, facts: object) {
  return request(s.url).post('/api/v1/discovery').send(facts);
}

const admin = (s: TestServer, r: request.Test) => r.set('Authorization', `Bearer ${s.adminToken}`);

async function until(what: () => Promise<boolean>, ms = 15_000): Promise<number> {
  const started = Date.now();
  while (!(await what())) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - started;
}

const journal = () => readFile(path.join(data, 'hosts.jsonl'));
const documentFile = () => readFile(path.join(data, 'kickstand.json'));
const temps = async () => (await readdir(data)).filter((n) => n.endsWith('.tmp') || n.endsWith('.compact'));

function logged(s: TestServer, file: string, errno: string) {
  return s.logs.filter((l) => (l.level as number) >= 50 && String(l.msg).includes(file) && String(l.msg).includes(errno));
}

// ---------------------------------------------------------------- the tests

describe('A full or read-only data dir (tmpfs)', () => {
  const acked = new Map<string, string>(); // boot MAC → host id, every registration answered 200/201
  const figures: Record<string, number> = {};

  it('When the disk fills up under the service, then writes answer 503 naming the file and ENOSPC, the files keep their bytes, and everything refused is written by itself once space returns', async () => {
    const s = await start();
    // 20 hosts, and more until the journal's last page has room: the next append then gets part-way.
    while (acked.size < 20 || (await journal()).length % 4096 === 0) {
      const mac = randomMac();
      const res = await register(s, sampleFacts({ boot_mac: mac })).expect(201);
      acked.set(mac, res.body.id);
    }
    const polled = await register(s, sampleFacts({ boot_mac: [...acked.keys()][0] })).expect(200);
    const journalBefore = await journal();
    const documentBefore = await documentFile();
    await fillDisk();

    // A registration: the journal append is cut short by ENOSPC, then taken back.
    const late = randomMac();
    const refused = await register(s, bigFacts(late)).expect(503);
    expect(refused.body.error).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(refused.body.error.message).toMatch(/^cannot write hosts\.jsonl in the data dir: ENOSPC \(no space left on device\)/);
    expect(bytes(await journal())).toEqual(bytes(journalBefore));
    // The log names the file (full path) and the errno: one line from the store, one per refused request.
    expect(logged(s, path.join(data, 'hosts.jsonl'), 'ENOSPC').length).toBeGreaterThanOrEqual(1);
    expect(logged(s, 'hosts.jsonl in the data dir', 'ENOSPC').length).toBeGreaterThanOrEqual(1);
    // The machine retries: refused again, cleanly.
    await register(s, bigFacts(late)).expect(503);
    expect(bytes(await journal())).toEqual(bytes(journalBefore));

    // The lowdb document, a template's history, an install log.
    const profile = await admin(s, request(s.url).post('/api/v1/profiles')).send({ name: 'during-outage', action: 'reboot' }).expect(503);
    expect(profile.body.error.message).toMatch(/^cannot write kickstand\.json in the data dir: ENOSPC/);
    expect(bytes(await documentFile())).toEqual(bytes(documentBefore));
    const opened = (await admin(s, request(s.url).get('/api/v1/templates/fedora.ks.njk')).expect(200)).body;
    const template = await admin(s, request(s.url).put('/api/v1/templates/fedora.ks.njk'))
      .send({ content: `${opened.content}\n# edited during the outage\n`, base_sha256: opened.sha256 })
      .expect(503);
    expect(template.body.error.message).toMatch(/^cannot write templates\/fedora\.ks\.njk\.json in the data dir: ENOSPC/);
    expect(await readFile(path.join(templates, 'fedora.ks.njk'), 'utf-8')).toBe(opened.content); // the running version stays
    await expect(s.running.deps.store.hosts.saveInstallLog(polled.body.id, 'anaconda log tail')).rejects.toThrow(
      /^cannot write logs\/\w+\.log in the data dir: ENOSPC/,
    );
    expect(await temps()).toEqual([]);

    // Reads and polls carry on.
    await request(s.url).get(`/api/v1/discovery/${polled.body.id}/next`).set('Authorization', `Bearer ${polled.body.token}`).expect(202);
    await admin(s, request(s.url).get('/api/v1/hosts')).expect(200);

    // Space returns: the refused registration and profile are written without anyone asking again.
    await freeDisk();
    figures.recoveryMs = await until(async () => (await journal()).includes(late) && (await documentFile()).includes('during-outage'));
    expect(s.logs.some((l) => l.msg === 'the data dir takes writes again: every pending change is written')).toBe(true);
    const again = await register(s, bigFacts(late)).expect(200); // it is a known host now
    acked.set(late, again.body.id);
    const fresh = randomMac();
    acked.set(fresh, (await register(s, sampleFacts({ boot_mac: fresh })).expect(201)).body.id);
    await admin(s, request(s.url).put('/api/v1/templates/fedora.ks.njk'))
      .send({ content: `${opened.content}\n# edited after\n`, base_sha256: opened.sha256 })
      .expect(200);
    // What was there before the outage is still there, byte for byte.
    expect(bytes((await journal()).subarray(0, journalBefore.length))).toEqual(bytes(journalBefore));
    await stop(s);

    const restarted = await start();
    const hosts = (await admin(restarted, request(restarted.url).get('/api/v1/hosts')).expect(200)).body.hosts as {
      id: string;
      boot_mac: string;
    }[];
    for (const [mac, id] of acked) expect(hosts.find((h) => h.boot_mac === mac)?.id, mac).toBe(id);
    await admin(restarted, request(restarted.url).get('/api/v1/profiles/during-outage')).expect(200);
    await stop(restarted);
  });

  it('When the service is stopped during the outage, then a start on the full disk fails naming kickstand.pid and ENOSPC, a start on a nearly full disk works (keeping the older .last-good), and the refused host re-registers cleanly', async () => {
    const s = await start();
    await fillDisk();
    const refusedMac = randomMac();
    await register(s, bigFacts(refusedMac)).expect(503);
    await stop(s); // one more try at close, refused again: it was never acknowledged
    await fillDisk(); // the page kickstand.pid held is free again: take it too
    await expect(start()).rejects.toThrow(`cannot write ${path.join(data, 'kickstand.pid')}: ENOSPC (no space left on device)`);
    expect(await readdir(data)).not.toContain('kickstand.pid');

    await freeDisk(1 << 20);
    const lastGood = await stat(path.join(data, 'hosts.jsonl.last-good'));
    const low = await start();
    expect(low.logs.some((l) => String(l.msg).startsWith('low on space: hosts.jsonl.last-good not refreshed'))).toBe(true);
    expect((await stat(path.join(data, 'hosts.jsonl.last-good'))).mtimeMs).toBe(lastGood.mtimeMs);
    const hosts = (await admin(low, request(low.url).get('/api/v1/hosts')).expect(200)).body.hosts as { id: string; boot_mac: string }[];
    for (const [mac, id] of acked) expect(hosts.find((h) => h.boot_mac === mac)?.id, mac).toBe(id);
    expect(hosts.some((h) => h.boot_mac === refusedMac)).toBe(false);
    acked.set(refusedMac, (await register(low, sampleFacts({ boot_mac: refusedMac })).expect(201)).body.id);
    await stop(low);
    await freeDisk();
  });

  it('When a compaction meets a full disk, then the commit that triggered it is still acknowledged, hosts.jsonl is untouched, its temp file is gone, and a later commit compacts', async () => {
    const dir = path.join(mnt, 'compaction');
    const warnings: string[] = [];
    const log = { info: () => undefined, warn: (_: unknown, msg: string) => void warnings.push(msg), error: () => undefined } as never;
    const s = await LowdbStore.open(dir, { log, compactRetryMs: 0 });
    const id = (i: number) => `c${String(i).padStart(11, '0')}`;
    const mac = (i: number) => `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
    // 1,000 records for 300 live hosts: one more record crosses the compaction threshold.
    for (let round = 0; round < 3; round++)
      await Promise.all(
        Array.from({ length: 300 }, (_, i) => s.hosts.save(host(id(i), mac(i), { hostname: `r${round}-${i}.example.com` }))),
      );
    await Promise.all(Array.from({ length: 100 }, (_, i) => s.hosts.save(host(id(i), mac(i), { hostname: `r3-${i}.example.com` }))));
    const file = path.join(dir, 'hosts.jsonl');
    await fillDisk();
    await freeDisk(3 * 4096); // room for one more record, not for a 150 KB snapshot
    const before = await readFile(file);

    await s.hosts.save(host(id(7), mac(7), { hostname: 'during.example.com' }));
    expect(
      warnings.some((w) => w.startsWith('journal compaction failed, hosts.jsonl is unchanged') && w.includes(`${file}.compact: ENOSPC`)),
    ).toBe(true);
    const after = await readFile(file);
    expect(bytes(after.subarray(0, before.length))).toEqual(bytes(before));
    expect(after.toString().trim().split('\n')).toHaveLength(1001);
    expect(await readdir(dir)).not.toContain('hosts.jsonl.compact');

    await freeDisk();
    await s.hosts.save(host(id(8), mac(8), { hostname: 'after.example.com' }));
    expect((await readFile(file, 'utf-8')).trim().split('\n')).toHaveLength(300);
    await s.close();
    const reopened = await LowdbStore.open(dir);
    expect((await reopened.hosts.get(id(7)))?.hostname).toBe('during.example.com');
    expect(await reopened.hosts.list()).toHaveLength(300);
    await reopened.close();
    await rm(dir, { recursive: true });
  });

  it('When the data dir turns read-only under the service, then document and template writes answer 503 naming the file and EROFS, registrations carry on through the open journal, and the refused change is written once it is writable', async () => {
    const s = await start();
    const documentBefore = await documentFile();
    sh('mount', '--bind', data, data);
    sh('mount', '-o', 'remount,bind,ro', data);
    try {
      const refused = await admin(s, request(s.url).post('/api/v1/profiles')).send({ name: 'during-ro', action: 'reboot' }).expect(503);
      expect(refused.body.error.message).toMatch(/^cannot write kickstand\.json in the data dir: EROFS \(read-only file system\)/);
      expect(logged(s, path.join(data, 'kickstand.json'), 'EROFS').length).toBeGreaterThanOrEqual(1);
      expect(bytes(await documentFile())).toEqual(bytes(documentBefore));
      const opened = (await admin(s, request(s.url).get('/api/v1/templates/fedora.ks.njk')).expect(200)).body;
      const template = await admin(s, request(s.url).put('/api/v1/templates/fedora.ks.njk'))
        .send({ content: `${opened.content}\n# ro\n`, base_sha256: opened.sha256 })
        .expect(503);
      expect(template.body.error.message).toMatch(/EROFS/);
      // hosts.jsonl was opened before the remount: its appends still reach the disk.
      const mac = randomMac();
      acked.set(mac, (await register(s, sampleFacts({ boot_mac: mac })).expect(201)).body.id);
    } finally {
      sh('umount', data);
    }
    figures.roRecoveryMs = await until(async () => (await documentFile()).includes('during-ro'));
    await stop(s);

    // A start on a read-only data dir stops at once, naming it and the errno.
    sh('mount', '-o', 'remount,ro', mnt);
    try {
      await expect(start()).rejects.toThrow(`KICKSTAND_DATA="${data}": cannot create or write it (EROFS)`);
    } finally {
      sh('mount', '-o', 'remount,rw', mnt);
    }
    const restarted = await start();
    await admin(restarted, request(restarted.url).get('/api/v1/profiles/during-ro')).expect(200);
    const hosts = (await admin(restarted, request(restarted.url).get('/api/v1/hosts')).expect(200)).body.hosts as {
      id: string;
      boot_mac: string;
    }[];
    for (const [m, id] of acked) expect(hosts.find((h) => h.boot_mac === m)?.id, m).toBe(id);
    await stop(restarted);
  });

  it('When the service (not root) loses write permission on the data dir, then document writes answer 503 naming the file and EACCES, and the change is written once permission is back; a start without it stops naming the dir', async () => {
    const NOBODY = 65534;
    const dir = path.join(mnt, 'unprivileged');
    await mkdir(dir);
    await chown(dir, NOBODY, NOBODY);
    const k = await startServiceProcess({ dataDir: dir, uid: NOBODY, env: { HOME: dir } });
    processes.push(k);
    const url = k.url;
    const api = (r: request.Test) => r.set('Authorization', `Bearer ${FAULT_ADMIN_TOKEN}`);
    await register({ url } as TestServer, sampleFacts()).expect(201);
    await chmod(dir, 0o555);
    try {
      const refused = await api(request(url).post('/api/v1/profiles')).send({ name: 'during-eacces', action: 'reboot' }).expect(503);
      expect(refused.body.error.message).toMatch(/^cannot write kickstand\.json in the data dir: EACCES \(permission denied\)/);
      // The process logs asynchronously (pino): the line may reach its stdout after the answer.
      await until(
        async () =>
          k.logs().some((l) => l.level === 50 && String(l.msg).includes(`cannot write ${path.join(dir, 'kickstand.json')}: EACCES`)),
        5000,
      );
      await register({ url } as TestServer, sampleFacts()).expect(201); // the open journal still takes appends
    } finally {
      await chmod(dir, 0o755);
    }
    figures.eaccesRecoveryMs = await until(async () =>
      (await readFile(path.join(dir, 'kickstand.json'), 'utf-8')).includes('during-eacces'),
    );
    expect((await k.kill('SIGTERM')).code).toBe(0);

    await chmod(dir, 0o555);
    const { code, stderr } = await failedStart({ dataDir: dir, uid: NOBODY, env: { HOME: dir } });
    await chmod(dir, 0o755);
    expect(code).toBe(1);
    expect(stderr).toContain(`KICKSTAND_DATA="${dir}": cannot create or write it (EACCES)`);
    process.stdout.write(
      `disk-faults: written by itself ${figures.recoveryMs} ms after space returned, ${figures.roRecoveryMs} ms after read-only ended, ${figures.eaccesRecoveryMs} ms after permission returned; ${acked.size} acknowledged hosts all present\n`,
    );
  });
});
