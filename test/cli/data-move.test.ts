// `kickstand data export` / `kickstand data import` (src/cli/data-move.ts, src/store/export/): an
// installation made through the service — hosts waiting, assigned by a rule, failed with a log, users
// with API tokens, a template with history, sealed params — moves from the file store to PostgreSQL and
// back whole, and works there: the machines' tokens open their polls, the sealed params render.
import { randomBytes } from 'node:crypto';
import { copyFile, cp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dataCommand } from '../../src/cli/data.js';
import { importExport, storedRecords } from '../../src/store/export/import.js';
import { readExport } from '../../src/store/export/read.js';
import { writeExport, writeExportFile } from '../../src/store/export/write.js';
import { LowdbStore } from '../../src/store/file/lowdb-store.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import type { Store } from '../../src/store/store.js';
import { sampleFacts } from '../support/facts.js';
import { testDatabase } from '../support/postgres.js';
import { startTestServer } from '../support/server.js';
import { tempDir } from '../support/temp.js';
import { host } from '../store/fixtures.js';

const TEMPLATE = 'moved.ks.njk';
const SECRET = 's3cret-vault-value';
const BMC_SECRET = 'bmc-rack-Pa55-otter';

interface Reg {
  id: string;
  token: string;
}

/** What the source installation holds, made through the service. */
let source: { dataDir: string; templatesDir: string; waiting: Reg; assigned: Reg; failed: Reg; bobToken: string };
/** The export of the source, taken beside the running service. */
let exported: string;

beforeAll(async () => {
  const templatesDir = await tempDir('kickstand-move-templates-');
  await cp(path.resolve('test/fixtures/kickstarts'), templatesDir, { recursive: true });
  await writeFile(path.join(templatesDir, TEMPLATE), 'url --url={{ params.repo }}\n# {{ params.vault_secret }}\n');
  const srv = await startTestServer({ templatesDir });
  const admin = (t: request.Test) => t.set('Authorization', `Bearer ${srv.adminToken}`);
  const api = request(srv.url);
  const register = async (): Promise<Reg> => (await api.post('/api/v1/discovery').send(sampleFacts()).expect(201)).body as Reg;
  const poll = (reg: Reg) => api.get(`/api/v1/discovery/${reg.id}/next`).set('Authorization', `Bearer ${reg.token}`);

  await admin(api.post('/api/v1/users')).send({ name: 'bob', role: 'operator', password: 'correct horse battery staple' }).expect(201);
  const bobToken = String((await admin(api.post('/api/v1/users/bob/tokens')).send({ name: 'ci' }).expect(201)).body.token);
  await admin(api.post('/api/v1/installers'))
    .send({ name: 'rhel9', family: 'rhel', version: '9.4', repo: 'http://mirror.example/rhel9/' })
    .expect(201);
  await admin(api.post('/api/v1/webhooks'))
    .send({ name: 'pager', url: 'http://127.0.0.1:9/hook', events: ['failed'], enabled: false })
    .expect(201);
  await admin(api.put('/api/v1/bmc-credentials/rack-a')).send({ username: 'root', password: BMC_SECRET }).expect(200);
  await admin(api.post('/api/v1/profiles'))
    .send({ name: 'vault', action: 'kickstart', template: TEMPLATE, params: { repo: 'http://mirror.example/os', vault_secret: SECRET } })
    .expect(201);
  await admin(api.post('/api/v1/rules'))
    .send({ name: 'web', expression: 'memory_mib > 1', profile: 'vault', hostname_pattern: 'web-{{ seq(2) }}.example.com' })
    .expect(201);
  const opened = (await admin(api.get(`/api/v1/templates/${TEMPLATE}`)).expect(200)).body as { content: string; sha256: string };
  await admin(api.put(`/api/v1/templates/${TEMPLATE}`))
    .send({ content: `${opened.content}# edited\n`, base_sha256: opened.sha256 })
    .expect(200);

  const waiting = await register();
  await poll(waiting).expect(202);
  await admin(api.patch('/api/v1/settings')).send({ auto_provision: true }).expect(200);
  const failed = await register(); // web-01: delivered, then failed with a log
  await poll(failed).expect(200);
  await api
    .post(`/api/v1/discovery/${failed.id}/events`)
    .set('Authorization', `Bearer ${failed.token}`)
    .send({ stage: 'failed', message: 'disk not found', log: 'anaconda: no disk\n' })
    .expect((r) => expect(r.status).toBeLessThan(300));
  const assigned = await register(); // web-02: its answer waits for its next poll

  // Expected hosts and tag definitions, straight into the service's store (their routes are not this
  // file's subject): a record with sealed-looking params and a comma, and a definition.
  const stamp = new Date().toISOString();
  await srv.running.deps.store.tagDefinitions.save({ name: 'gpu', expression: 'count(gpus) > 0', created_at: stamp, updated_at: stamp });
  await srv.running.deps.store.expectedHosts.saveMany([
    {
      id: 'eh-moved',
      match: { serial: 'SN-1, lot 7', switch: 'leaf-12', port: 'Ethernet1/7' },
      hostname: 'rack1-01',
      profile: 'vault',
      tags: ['gpu', 'rack-1'],
      bmc: { driver: 'ipmi', address: '10.9.0.7', credentials: 'rack-a' },
      provision: true,
      created_at: stamp,
      updated_at: stamp,
    },
  ]);

  exported = path.join(await tempDir('kickstand-move-'), 'source.jsonl');
  const notes: string[] = [];
  // Beside the running service: an export only reads.
  await dataCommand(['export', exported], () => undefined, { env: { KICKSTAND_DATA: srv.dataDir }, err: (l) => notes.push(l) });
  expect(notes[0]).toMatch(
    /^exported 1 settings, 1 profile, 1 rule, 1 installer, 1 webhook, 1 BMC credential set, 1 tag definition, 1 expected host, 2 users, 2 template versions, 3 hosts, \d+ audit entries from the data dir /,
  );
  // A BMC credential set travels sealed, like a webhook secret: never in clear.
  const text = await readFile(exported, 'utf-8');
  expect(text).toMatch(/"type":"bmc_credentials","bmc_credentials":\{"name":"rack-a","username":"root","password":"kickstand-sealed:v1:/);
  expect(text).not.toContain(BMC_SECRET);
  expect(text).toContain('"type":"expected_host","expected_host":{"id":"eh-moved"');
  expect(text).toContain('"type":"tag_definition","tag_definition":{"name":"gpu"');
  await srv.stop();
  source = { dataDir: srv.dataDir, templatesDir, waiting, assigned, failed, bobToken };
});

/** The records of an export, to compare two: the header aside, audit entries without their seq (a
 *  target numbers them anew), hosts by id (stores list them by last poll, and ties fall either way). */
async function records(file: string): Promise<unknown[]> {
  const lines = (await readFile(file, 'utf-8'))
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const [, ...rest] = lines;
  const hosts = rest.filter((r) => r.type === 'host').sort((a, b) => hostId(a).localeCompare(hostId(b)));
  return [
    ...rest.filter((r) => r.type !== 'host' && r.type !== 'audit' && r.type !== 'end'),
    ...hosts,
    ...rest.filter((r) => r.type === 'audit').map(({ entry, ...r }) => ({ ...r, entry: { ...(entry as object), seq: undefined } })),
    rest.at(-1),
  ];
}
const hostId = (r: Record<string, unknown>) => (r.host as { id: string }).id;

/** A data dir holding the source's secret.key and nothing else: where an import may go. */
async function targetDir(): Promise<string> {
  const dir = await tempDir('kickstand-move-target-');
  await copyFile(path.join(source.dataDir, 'secret.key'), path.join(dir, 'secret.key'));
  return dir;
}

async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const out: string[] = [];
  await dataCommand(argv, (l) => out.push(l), { env, err: () => undefined });
  return out;
}

/** What the store in `dir` holds, opened after the command (and closed again). */
async function heldIn(dir: string): Promise<string[]> {
  const store = await LowdbStore.open(dir);
  try {
    return await storedRecords(store);
  } finally {
    await store.close();
  }
}

describe('kickstand data export / import', () => {
  let pg: { url: string; dataDir: string };
  let fromPg: string;

  it('When a file store is exported, imported into PostgreSQL and exported again, then the two exports hold the same records', async () => {
    pg = { url: await testDatabase(), dataDir: await targetDir() };
    const env = { KICKSTAND_DATA: pg.dataDir, KICKSTAND_DATABASE_URL: pg.url };
    const out = await run(['import', exported], env);
    expect(out[0]).toMatch(
      /^imported 1 settings, 1 profile, 1 rule, 1 installer, 1 webhook, 1 BMC credential set, 1 tag definition, 1 expected host, 2 users, 2 template versions, 3 hosts, \d+ audit entries \(exported from the data dir /,
    );
    expect(out[0]).toContain('into the database postgres://');
    expect(out[1]).toMatch(/audit entries keep their order; their seq numbers .* numbered anew/);
    fromPg = path.join(path.dirname(exported), 'from-pg.jsonl');
    await run(['export', fromPg], env);
    expect(await records(fromPg)).toEqual(await records(exported));
    const [first, again] = [await readExport(exported), await readExport(fromPg)];
    expect(again.header.secret_key_fingerprint).toBe(first.header.secret_key_fingerprint);
    expect(again.header.source).toMatch(/^the database postgres:\/\//);
    expect((await stat(fromPg)).mode & 0o777).toBe(0o600);
  });

  it('When that PostgreSQL export is imported into a new data dir and exported again, then it holds the same records as the first', async () => {
    const dir = await targetDir();
    await run(['import', fromPg], { KICKSTAND_DATA: dir });
    const back = path.join(path.dirname(exported), 'back.jsonl');
    await run(['export', back], { KICKSTAND_DATA: dir });
    expect(await records(back)).toEqual(await records(exported));
  });

  it('When the service starts on the imported store, then the machines’ original tokens open their polls, sealed params render and the user’s token works', async () => {
    const srv = await startTestServer({ dataDir: pg.dataDir, templatesDir: source.templatesDir, env: { KICKSTAND_DATABASE_URL: pg.url } });
    try {
      const poll = (reg: Reg) => request(srv.url).get(`/api/v1/discovery/${reg.id}/next`).set('Authorization', `Bearer ${reg.token}`);
      await poll(source.waiting).expect(202);
      const answer = await poll(source.assigned).expect(200);
      expect(answer.text).toContain(`# ${SECRET}`);
      await request(srv.url).get(`/api/v1/discovery/${source.waiting.id}/next`).set('Authorization', 'Bearer not-the-token').expect(401);
      const bob = (await request(srv.url).get('/api/v1/me').set('Authorization', `Bearer ${source.bobToken}`).expect(200)).body;
      expect(bob).toMatchObject({ name: 'bob', role: 'operator' });
      const assigned = (await request(srv.url).get(`/api/v1/hosts/${source.assigned.id}`).set('Authorization', `Bearer ${srv.adminToken}`))
        .body as { hostname: string; events: { type: string }[] };
      expect(assigned.hostname).toBe('web-02.example.com');
      expect(assigned.events.map((e) => e.type)).toContain('discovered');
      const log = await request(srv.url)
        .get(`/api/v1/hosts/${source.failed.id}/install-log`)
        .set('Authorization', `Bearer ${srv.adminToken}`);
      expect(log.text).toContain('anaconda: no disk');
      const versions = await request(srv.url).get(`/api/v1/templates/${TEMPLATE}`).set('Authorization', `Bearer ${srv.adminToken}`);
      expect(versions.status).toBe(200);
    } finally {
      await srv.stop();
    }
  });

  it('When the target store is not empty, then the import is refused naming what it holds, and the target is unchanged', async () => {
    const dir = await targetDir();
    const store = await LowdbStore.open(dir);
    await store.users.save({ name: 'carol', role: 'viewer', password_hash: 'x', tokens: [], created_at: 'now', updated_at: 'now' });
    await store.close();
    await expect(run(['import', exported], { KICKSTAND_DATA: dir })).rejects.toThrow(
      /^the data dir .* is not empty: it holds 1 user \(carol\)\. An import never merges .* Nothing was imported$/,
    );
    expect(await heldIn(dir)).toEqual(['1 user (carol)']);
  });

  it('When the target PostgreSQL database is not empty, then the import is refused and nothing is added', async () => {
    await expect(run(['import', exported], { KICKSTAND_DATA: pg.dataDir, KICKSTAND_DATABASE_URL: pg.url })).rejects.toThrow(
      /^the database postgres:\/\/.* is not empty: it holds 3 hosts, 1 profile \(vault\), 1 rule \(web\), 2 users \(admin, bob\)/,
    );
    const store = await PgStore.open(pg.url);
    try {
      expect((await store.hosts.list()).length).toBe(3);
      expect((await store.templates.list(TEMPLATE)).map((v) => v.version)).toEqual([1, 2]);
    } finally {
      await store.close();
    }
  });

  /** The export with line `n` (1-based) replaced by what `change` makes of it (undefined: dropped). */
  async function damaged(n: number | 'last' | 'first host', change: (line: Record<string, unknown>) => unknown): Promise<string> {
    const lines = (await readFile(exported, 'utf-8')).trimEnd().split('\n');
    const i = n === 'last' ? lines.length - 1 : n === 'first host' ? lines.findIndex((l) => l.startsWith('{"type":"host"')) : n - 1;
    const changed = change(JSON.parse(lines[i]!) as Record<string, unknown>);
    if (changed === undefined) lines.splice(i, 1);
    else lines[i] = typeof changed === 'string' ? changed : JSON.stringify(changed);
    const file = path.join(await tempDir('kickstand-move-bad-'), 'damaged.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    return file;
  }

  it.each([
    ['bad JSON', () => damaged(3, () => '{"type":"rule","rule":{'), /damaged\.jsonl line 3: is not valid JSON: /],
    [
      'a missing field',
      () => damaged('first host', (l) => ({ ...l, host: { ...(l.host as object), boot_mac: undefined } })),
      /damaged\.jsonl line \d+: \(host\) host\.boot_mac is required/,
    ],
    [
      'an unknown record type',
      () => damaged(2, (l) => ({ ...l, type: 'gadget' })),
      /damaged\.jsonl line 2: type "gadget" is not a record of export version 1 \(one of settings, profile, .*, end\)/,
    ],
    [
      'a format version this Kickstand does not read',
      () => damaged(1, (l) => ({ ...l, version: 2 })),
      /damaged\.jsonl line 1: version 2 of the export format is not one this Kickstand reads \(it reads version 1\)/,
    ],
    [
      'a misspelt key',
      () => damaged(2, (l) => ({ ...l, setings: {} })),
      /damaged\.jsonl line 2: \(settings\) setings is not a known field/,
    ],
    [
      'no end record (cut short)',
      () => damaged('last', () => undefined),
      /damaged\.jsonl ends at line \d+ without its end record: the export was cut short/,
    ],
  ])('When the export has %s, then the import names the line and field and writes nothing', async (_what, make, message) => {
    const file = await make();
    const dir = await targetDir();
    await expect(run(['import', file], { KICKSTAND_DATA: dir })).rejects.toThrow(message);
    expect(await heldIn(dir)).toEqual([]);
  });

  it('When a bad line comes early in a large export, then the check stops there and lets go of the file', async () => {
    const lines = (await readFile(exported, 'utf-8')).trimEnd().split('\n');
    const audit = JSON.stringify({
      type: 'audit',
      entry: { at: 'now', actor: 'a', action: 'login', target: 'a', detail: 'x'.repeat(200) },
    });
    lines.splice(2, 0, '{"type":', ...Array<string>(5000).fill(audit));
    const file = path.join(await tempDir('kickstand-move-bad-'), 'large.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    // A reader left paused mid-file would keep its handle open and the command would never return.
    await expect(readExport(file)).rejects.toThrow(/large\.jsonl line 3: is not valid JSON/);
  }, 10_000);

  it('When the file system is slow to stat the export (a loaded machine), then no line is lost', async () => {
    const probe = await open(exported, 'r');
    const handles = Object.getPrototypeOf(probe) as { stat: (this: unknown) => Promise<unknown> };
    await probe.close();
    const statNow = handles.stat;
    const slowStat = vi.spyOn(handles, 'stat').mockImplementation(async function (this: unknown) {
      await new Promise((r) => setTimeout(r, 100));
      return statNow.call(this);
    });
    try {
      const checked = await readExport(exported);
      expect(checked.counts.host).toBe(3);
      expect(slowStat).toHaveBeenCalled();
    } finally {
      slowStat.mockRestore();
    }
  });

  it('When a host comes twice, then the second line is refused naming the first', async () => {
    const lines = (await readFile(exported, 'utf-8')).trimEnd().split('\n');
    const i = lines.findIndex((l) => l.startsWith('{"type":"host"'));
    lines.splice(i + 1, 0, lines[i]!);
    const file = path.join(await tempDir('kickstand-move-bad-'), 'twice.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    await expect(readExport(file)).rejects.toThrow(new RegExp(`twice\\.jsonl line ${i + 2}: host\\.id "\\w+" is also on line ${i + 1}`));
  });

  it('When an expected host comes twice, or one has no match, then the line is refused naming the field', async () => {
    const lines = (await readFile(exported, 'utf-8')).trimEnd().split('\n');
    const i = lines.findIndex((l) => l.startsWith('{"type":"expected_host"'));
    const dir = await tempDir('kickstand-move-bad-');
    const twice = path.join(dir, 'twice.jsonl');
    await writeFile(twice, `${[...lines.slice(0, i + 1), lines[i]!, ...lines.slice(i + 1)].join('\n')}\n`);
    await expect(readExport(twice)).rejects.toThrow(`twice.jsonl line ${i + 2}: expected_host.id "eh-moved" is also on line ${i + 1}`);
    const record = JSON.parse(lines[i]!) as { expected_host: Record<string, unknown> };
    delete record.expected_host.match;
    const unmatched = path.join(dir, 'unmatched.jsonl');
    await writeFile(unmatched, `${lines.with(i, JSON.stringify(record)).join('\n')}\n`);
    await expect(readExport(unmatched)).rejects.toThrow(new RegExp(`unmatched\\.jsonl line ${i + 1}: \\(expected_host\\) .*match`));
  });

  it('When the target holds only an expected host or a tag definition, then it is not empty', async () => {
    const store = new MemoryStore();
    const at = '2026-01-01T00:00:00.000Z';
    await store.expectedHosts.save({ id: 'eh-1', match: { serial: 'S1' }, provision: false, created_at: at, updated_at: at });
    await store.tagDefinitions.save({ name: 'gpu', expression: 'true', created_at: at, updated_at: at });
    expect(await storedRecords(store)).toEqual(['1 tag definition (gpu)', '1 expected host']);
  });

  it('When the import is a dry run, then it says what it would import and writes nothing', async () => {
    const dir = await targetDir();
    const out = await run(['import', exported, '--dry-run'], { KICKSTAND_DATA: dir });
    expect(out).toEqual([
      expect.stringMatching(
        /^dry run: every line of .*source\.jsonl is whole; it would import 1 settings, 1 profile, 1 rule, 1 installer, 1 webhook, 1 BMC credential set, 1 tag definition, 1 expected host, 2 users, 2 template versions, 3 hosts, \d+ audit entries .* into the data dir .*\. Nothing was written$/,
      ),
    ]);
    expect(await heldIn(dir)).toEqual([]);
  });

  it('When the target’s secret.key is another key, or missing, then the import is refused before anything is written', async () => {
    const other = await tempDir('kickstand-move-target-');
    await writeFile(path.join(other, 'secret.key'), randomBytes(32), { mode: 0o600 });
    await expect(run(['import', exported], { KICKSTAND_DATA: other })).rejects.toThrow(
      /secret\.key is not the key the export's sealed params were sealed with \(its fingerprint is [0-9a-f]{32}, the export's [0-9a-f]{32}\): copy secret\.key from the data dir of the installation exported/,
    );
    expect(await heldIn(other)).toEqual([]);
    const none = await tempDir('kickstand-move-target-');
    await expect(run(['import', exported], { KICKSTAND_DATA: none })).rejects.toThrow(/secret\.key does not exist: /);
    await expect(stat(path.join(none, 'secret.key'))).rejects.toThrow(/ENOENT/); // read, never made
  });

  it('When a running service holds the target data dir, then the import is refused by its lock and writes nothing', async () => {
    const dir = await targetDir();
    // The lock file of a live process that is not this one (the service runs in a process of its own).
    await writeFile(path.join(dir, 'kickstand.pid'), `${process.ppid}\n`);
    await expect(run(['import', exported], { KICKSTAND_DATA: dir })).rejects.toThrow(
      new RegExp(
        `^the data dir .* is in use by process ${process.ppid} \\(a running Kickstand\\?\\): stop it, then import\\. Nothing was imported$`,
      ),
    );
    await rm(path.join(dir, 'kickstand.pid'));
    expect(await heldIn(dir)).toEqual([]);
  });

  it('When no FILE is given, then the export goes to stdout', async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (c: Buffer) => chunks.push(c));
    await dataCommand(['export', '-'], () => undefined, { env: { KICKSTAND_DATA: source.dataDir }, stdout, err: () => undefined });
    const file = path.join(await tempDir('kickstand-move-'), 'stdout.jsonl');
    await writeFile(file, Buffer.concat(chunks));
    expect(await records(file)).toEqual(await records(exported));
  });
});

describe('export and import through the repositories', () => {
  let memory: MemoryStore;
  afterAll(async () => memory.close());

  it('When an in-memory store is exported and imported into a file store, then a second export holds the same records', async () => {
    memory = new MemoryStore();
    await fill(memory);
    const dir = await tempDir('kickstand-move-');
    const first = path.join(dir, 'memory.jsonl');
    await writeExportFile(memory, first, { source: 'memory', secret_key_fingerprint: '0'.repeat(32) });
    const target = await LowdbStore.open(path.join(dir, 'data'));
    try {
      await importExport(target, first, await readExport(first));
      const again = path.join(dir, 'again.jsonl');
      await writeExportFile(target, again, { source: 'file', secret_key_fingerprint: '0'.repeat(32) });
      expect(await records(again)).toEqual(await records(first));
      expect((await target.audit.list()).map((e) => [e.action, e.seq])).toEqual([
        ['host.assign', 2],
        ['login', 1],
      ]);
    } finally {
      await target.close();
    }
  });

  it('When the stream takes its time, then the export waits for it (backpressure) and loses nothing', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 300; i++)
      await store.hosts.save(
        host(
          `h${String(i).padStart(11, '0')}`,
          `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
        ),
        {
          boot_mac: 'x',
          blob: 'f'.repeat(4096),
        } as never,
      );
    const slow = new PassThrough({ highWaterMark: 1024 });
    let bytes = 0;
    const drained = (async () => {
      for await (const chunk of slow) {
        bytes += (chunk as Buffer).length;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const counts = await writeExport(store, slow, { source: 'memory', secret_key_fingerprint: '0'.repeat(32) });
    slow.end();
    await drained;
    expect(counts.host).toBe(300);
    expect(bytes).toBeGreaterThan(300 * 4096);
  });
});

/** One of every record, through the repositories. */
async function fill(store: Store): Promise<void> {
  const at = '2026-01-01T00:00:00.000Z';
  await store.settings.save({ auto_provision: true });
  await store.profiles.save({ name: 'web', action: 'reboot', bootable: false, created_at: at, updated_at: at });
  await store.rules.save({
    name: 'r',
    expression: 'true',
    profile: 'web',
    hostname_pattern: 'w-{{ seq() }}',
    priority: 10,
    limit: 0,
    enabled: true,
    sequence: 7,
    created_at: at,
    updated_at: at,
  });
  await store.installers.save({ name: 'f42', family: 'fedora', version: '42', repo: 'http://m/f42/', source: 'api' });
  await store.tagDefinitions.save({ name: 'nvme', expression: 'any(disks, transport == "nvme")', created_at: at, updated_at: at });
  await store.expectedHosts.saveMany(
    ['eh-1', 'eh-2'].map((id, i) => ({
      id,
      match: { boot_mac: `52:54:00:00:00:0${i}` },
      provision: false,
      created_at: at,
      updated_at: at,
    })),
  );
  await store.users.save({
    name: 'ann',
    role: 'admin',
    password_hash: '$scrypt$x',
    tokens: [{ id: 't1', name: 'ci', hash: 'abc', created_at: at }],
    created_at: at,
    updated_at: at,
  });
  for (const version of [1, 2])
    await store.templates.append({
      name: 'snippets/a b.njk',
      version,
      content: `v${version}`,
      sha256: 's',
      author: 'ann',
      at,
      action: 'save',
    });
  const h = host('aaaaaaaaaaaa', '02:00:00:00:00:01', {
    hostname: 'w-7',
    token_expires_at: at,
    events: [{ at, type: 'discovered', actor: 'machine', message: 'hello' }],
  });
  await store.hosts.save(h, { boot_mac: '02:00:00:00:00:01', nics: [] });
  await store.hosts.saveInstallLog(h.id, 'tail of the log\n');
  await store.audit.append({ at, actor: 'ann', action: 'login', target: 'ann' });
  await store.audit.append({ at, actor: 'ann', action: 'host.assign', target: h.id });
}
