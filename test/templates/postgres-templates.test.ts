// Templates with PostgreSQL (src/templates/database.ts): two instances on one database, each with its own
// data dir and its own copy of the templates folder. The first start seeds the history once; an edit
// saved on one is what the other renders next (its folder mirrored, its render cache dropped); history,
// conflicts and rollbacks are the database's, whichever instance is asked.
import { randomBytes } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SECRET_KEY_FILE } from '../../src/secrets/secret-key.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import { listTemplateFiles } from '../../src/templates/files.js';
import { SET_ASIDE_SUFFIX } from '../../src/templates/mirror.js';
import type { TemplateVersion } from '../../src/templates/version.js';
import { sampleFacts } from '../support/facts.js';
import { testDatabase } from '../support/postgres.js';
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../support/server.js';
import { tempDir } from '../support/temp.js';

const SITE = 'text\nnetwork --bootproto=dhcp --hostname={{ host.hostname }}\n# site v1\nreboot\n';
const site = (n: number) => SITE.replace('# site v1', `# site v${n}`);

let databaseUrl: string;
let a: TestServer;
let b: TestServer;
interface Folders {
  dataDir: string;
  templatesDir: string;
}
let foldersA: Folders;
let foldersB: Folders;

/** A data dir holding the key every instance shares, and a copy of the shipped templates plus site.ks.njk. */
async function instanceFolders(key: Buffer): Promise<Folders> {
  const dataDir = await tempDir('kickstand-pg-data-');
  await writeFile(path.join(dataDir, SECRET_KEY_FILE), key, { mode: 0o600 });
  const templatesDir = await tempDir('kickstand-pg-templates-');
  await cp(path.resolve('kickstarts'), templatesDir, { recursive: true });
  await writeFile(path.join(templatesDir, 'site.ks.njk'), site(1));
  return { dataDir, templatesDir };
}

const start = (folders: Folders) => startTestServer({ ...folders, env: { KICKSTAND_DATABASE_URL: databaseUrl } });
const api = (srv: TestServer, method: 'get' | 'put' | 'post', url: string) =>
  request(srv.url)[method](url).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
const opened = async (srv: TestServer, name: string) =>
  (await api(srv, 'get', `/api/v1/templates/${name}`).expect(200)).body as { content: string; sha256: string; current?: number };
const fileIn = (srv: TestServer, name: string) => readFile(path.join(srv.templatesDir, name), 'utf-8');
/** Every change committed before now is applied on `srv` (its folder written, its caches dropped). */
async function caughtUp(srv: TestServer): Promise<void> {
  const store = srv.running.deps.store;
  if (!(store instanceof PgStore)) throw new Error('this instance is not on PostgreSQL');
  await store.catchUp();
}

async function history() {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ record: TemplateVersion }>('SELECT record FROM template_versions ORDER BY name, version');
    return rows.map(({ record: { name, version, action, author, message } }) => ({ name, version, action, author, message }));
  } finally {
    await client.end();
  }
}

/** A discovered host assigned site.ks.njk (through `via`); its id and poll token. */
async function siteHost(register: TestServer, via: TestServer, hostname: string) {
  const reg = (await request(register.url).post('/api/v1/discovery').send(sampleFacts()).expect(201)).body as { id: string; token: string };
  await api(via, 'post', `/api/v1/hosts/${reg.id}/assignment`).send({ action: 'kickstart', template: 'site.ks.njk', hostname }).expect(200);
  return reg;
}

const poll = (srv: TestServer, host: { id: string; token: string }) =>
  request(srv.url).get(`/api/v1/discovery/${host.id}/next`).set('Authorization', `Bearer ${host.token}`);

const save = (srv: TestServer, content: string, base_sha256: string) =>
  api(srv, 'put', '/api/v1/templates/site.ks.njk').send({ content, base_sha256 });

beforeAll(async () => {
  databaseUrl = await testDatabase();
  const key = randomBytes(32);
  [foldersA, foldersB] = await Promise.all([instanceFolders(key), instanceFolders(key)]);
  // Together, on an empty database: both find nothing seeded, one seeds.
  [a, b] = await Promise.all([start(foldersA), start(foldersB)]);
});
afterAll(async () => {
  // Either may be missing when a start failed.
  for (const srv of [a, b] as (TestServer | undefined)[]) await srv?.stop();
});

describe('templates with PostgreSQL, two instances', () => {
  it('When two instances start together on an empty database, then every template file is version 1 once, imported from disk', async () => {
    const versions = await history();
    expect(versions.map((v) => v.name).sort()).toEqual((await listTemplateFiles(foldersA.templatesDir)).sort());
    expect(versions).toContainEqual({
      name: 'site.ks.njk',
      version: 1,
      action: 'import',
      author: 'disk',
      message: 'as found on disk at first start',
    });
    expect(versions.every((v) => v.version === 1 && v.action === 'import' && v.author === 'disk')).toBe(true);
    const seeded = [...a.logs, ...b.logs].filter((l) => String(l.msg).startsWith('first start on this database'));
    expect(seeded).toHaveLength(1);
  });

  it('When a template is saved through A, then a host assigned after the save gets the new text from B', async () => {
    const res = await save(a, site(2), (await opened(a, 'site.ks.njk')).sha256).expect(200);
    expect(res.body.version).toMatchObject({ version: 2, action: 'save', author: 'admin-token' });
    const host = await siteHost(b, a, 'after-save.example.com');
    // No barrier: B hears the save before the assignment (commit order), so its first kickstart is new.
    const text = await vi.waitFor(
      async () => {
        const answer = await poll(b, host);
        expect(answer.status).toBe(200);
        return answer.text;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(text).toContain('# site v2');
    expect(await fileIn(b, 'site.ks.njk')).toBe(site(2));
  });

  it('When a host already polled its kickstart on B and A saves, then B’s next poll renders the new text (render cache dropped)', async () => {
    const host = await siteHost(b, b, 'polled.example.com');
    expect((await poll(b, host).expect(200)).text).toContain('# site v2');
    expect((await poll(b, host).expect(200)).text).toContain('# site v2');
    await save(a, site(3), (await opened(a, 'site.ks.njk')).sha256).expect(200);
    await caughtUp(b);
    const text = (await poll(b, host).expect(200)).text;
    expect(text).toContain('# site v3');
    expect(text).not.toContain('# site v2');
  });

  it('When B lists the history, then A’s saves are there and B’s text in service is the latest', async () => {
    const view = (await api(b, 'get', '/api/v1/templates/site.ks.njk').expect(200)).body as {
      content: string;
      current: number;
      versions: TemplateVersion[];
    };
    expect(view.versions.map((v) => [v.version, v.action, v.author])).toEqual([
      [1, 'import', 'disk'],
      [2, 'save', 'admin-token'],
      [3, 'save', 'admin-token'],
    ]);
    expect(view).toMatchObject({ content: site(3), current: 3 });
    const listed = (await api(b, 'get', '/api/v1/templates').expect(200)).body.templates as { name: string; latest?: TemplateVersion }[];
    expect(listed.find((t) => t.name === 'site.ks.njk')?.latest?.version).toBe(3);
  });

  it('When B saves over text A changed since the editor opened it, then 409 TEMPLATE_CHANGED names A’s version, and nothing changes', async () => {
    const before = await opened(a, 'site.ks.njk');
    await save(a, site(4), before.sha256).expect(200);
    const res = await save(b, `${before.content}# B's change\n`, before.sha256).expect(409);
    expect(res.body.error).toMatchObject({ code: 'TEMPLATE_CHANGED', field: 'base_sha256' });
    expect(res.body.error.message).toMatch(/by admin-token at .* \(version 4\)/);
    await caughtUp(b);
    expect(await fileIn(b, 'site.ks.njk')).toBe(site(4));
    expect((await history()).filter((v) => v.name === 'site.ks.njk')).toHaveLength(4);
  });

  it('When B rolls back, then A serves the restored text, to a host it had already served', async () => {
    const host = await siteHost(a, a, 'rollback.example.com');
    expect((await poll(a, host).expect(200)).text).toContain('# site v4');
    const res = await api(b, 'post', '/api/v1/templates/site.ks.njk/rollback')
      .send({ version: 2, base_sha256: (await opened(b, 'site.ks.njk')).sha256 })
      .expect(200);
    expect(res.body.version).toMatchObject({ version: 5, action: 'rollback', restored: 2 });
    await caughtUp(a);
    expect((await poll(a, host).expect(200)).text).toContain('# site v2');
    expect(await fileIn(a, 'site.ks.njk')).toBe(site(2));
  });

  it('When A creates a template, then B has it in its folder and can assign it', async () => {
    await api(a, 'put', '/api/v1/templates/other.ks.njk').send({ content: 'text\n# other\nreboot\n', base_sha256: '' }).expect(201);
    await caughtUp(b);
    expect(await fileIn(b, 'other.ks.njk')).toBe('text\n# other\nreboot\n');
    const reg = (await request(b.url).post('/api/v1/discovery').send(sampleFacts()).expect(201)).body as { id: string; token: string };
    await api(b, 'post', `/api/v1/hosts/${reg.id}/assignment`)
      .send({ action: 'kickstart', template: 'other.ks.njk', hostname: 'other.example.com' })
      .expect(200);
    expect((await poll(b, reg).expect(200)).text).toContain('# other');
  });

  it('When a file is edited by hand in a running instance’s folder, then the database’s text replaces it and a warning names it', async () => {
    await writeFile(path.join(a.templatesDir, 'site.ks.njk'), 'text\n# edited on the server\nreboot\n');
    await vi.waitFor(async () => expect(await fileIn(a, 'site.ks.njk')).toBe(site(2)), { timeout: 10_000, interval: 50 });
    const warnings = a.logs.filter((l) => l.level === 40 && l.template === 'site.ks.njk');
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.msg)).toContain('site.ks.njk was changed outside Kickstand');
    expect((await history()).filter((v) => v.name === 'site.ks.njk')).toHaveLength(5);
  });

  it('When an instance restarts with files changed on disk, then the folder is not imported again: edits are replaced, strays set aside, each named once', async () => {
    await b.stop();
    await writeFile(path.join(foldersB.templatesDir, 'snippets', 'locale.njk'), '# edited while B was down\n');
    await writeFile(path.join(foldersB.templatesDir, 'stray.ks.njk'), 'text\n# only on B\nreboot\n');
    const before = await history();
    b = await start(foldersB);
    expect(await history()).toEqual(before);
    expect(await fileIn(b, 'snippets/locale.njk')).toBe(await fileIn(a, 'snippets/locale.njk'));
    expect(await fileIn(b, `stray.ks.njk${SET_ASIDE_SUFFIX}`)).toBe('text\n# only on B\nreboot\n');
    await expect(fileIn(b, 'stray.ks.njk')).rejects.toMatchObject({ code: 'ENOENT' });
    const warned = b.logs.filter((l) => l.level === 40 && typeof l.template === 'string').map((l) => l.template);
    expect(warned.sort()).toEqual(['snippets/locale.njk', 'stray.ks.njk']);
    expect((await api(b, 'get', '/api/v1/templates').expect(200)).body.templates.map((t: { name: string }) => t.name)).not.toContain(
      'stray.ks.njk',
    );
  });
});
