// The data dir is private: after a run every folder in it is 0700 and every file 0600, whatever the
// umask of the process (these tests run with the usual 022); modes loosened while the service was
// stopped are tightened at the next start, with a warning naming each file.
import { chmod, cp, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { registerMachine } from '../support/sessions.js';
import { tempDir } from '../support/temp.js';

/** Every entry under `dir` (itself included) with its permission bits. */
async function modes(dir: string): Promise<Map<string, { mode: number; isDir: boolean }>> {
  const out = new Map([[dir, { mode: (await stat(dir)).mode & 0o777, isDir: true }]]);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    out.set(file, { mode: (await stat(file)).mode & 0o777, isDir: entry.isDirectory() });
  }
  return out;
}

async function expectPrivate(dir: string): Promise<void> {
  const loose = [...(await modes(dir))]
    .filter(([, m]) => m.mode !== (m.isDir ? 0o700 : 0o600))
    .map(([f, m]) => `${f} ${m.mode.toString(8)}`);
  expect(loose).toEqual([]);
}

describe('data dir modes', () => {
  it('When the service has run (hosts, an assignment, an install log, a template save, a compaction-free restart), then the dir is 0700 and every file in it 0600, and a loosened one is tightened at start with a warning naming it', async () => {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- reads the umask; the race it warns of needs worker threads, which this test has none of
    const umask = process.umask();
    expect(umask & 0o077).not.toBe(0o077); // the test means something only under a loose umask
    const templates = await tempDir('kickstand-modes-tpl-');
    await cp(path.resolve('test/fixtures/kickstarts'), templates, { recursive: true });
    const data = path.join(await tempDir('kickstand-modes-'), 'data');
    // No KICKSTAND_ADMIN_TOKEN: the generated admin-token file is written too.
    let srv = await startTestServer({ dataDir: data, templatesDir: templates, env: { KICKSTAND_ADMIN_TOKEN: '' } });
    const admin = { Authorization: `Bearer ${srv.adminToken}` };
    const host = await registerMachine(srv.url);
    await request(srv.url).post(`/api/v1/hosts/${host.id}/assignment`).set(admin).send({ action: 'reboot' }).expect(200);
    await request(srv.url).get(`/api/v1/discovery/${host.id}/next`).set('Authorization', `Bearer ${host.token}`).expect(200);
    await request(srv.url)
      .post(`/api/v1/discovery/${host.id}/events`)
      .set('Authorization', `Bearer ${host.token}`)
      .send({ stage: 'failed', message: 'x', log: 'anaconda: no disk\n' })
      .expect(200);
    const name = (await readdir(templates)).find((f) => f.endsWith('.ks.njk') && f !== 'stub.ks.njk')!;
    const opened = (await request(srv.url).get(`/api/v1/templates/${name}`).set(admin).expect(200)).body as {
      content: string;
      sha256: string;
    };
    await request(srv.url)
      .put(`/api/v1/templates/${name}`)
      .set(admin)
      .send({ content: `${opened.content}\n# edited\n`, base_sha256: opened.sha256 })
      .expect(200);
    await srv.stop();
    srv = await startTestServer({ dataDir: data, templatesDir: templates, env: { KICKSTAND_ADMIN_TOKEN: '' } });
    const files = [...(await modes(data)).keys()].map((f) => path.relative(data, f));
    expect(files).toEqual(
      expect.arrayContaining([
        'admin-token',
        'secret.key',
        'kickstand.pid',
        'hosts.jsonl',
        'kickstand.json',
        'hosts.jsonl.last-good',
        'kickstand.json.last-good',
        path.join('logs', `${host.id}.log`),
      ]),
    );
    expect(files.some((f) => f.startsWith(`templates${path.sep}`))).toBe(true);
    await expectPrivate(data);
    await srv.stop();

    // Loosened while stopped (a restore with cp, a chmod by hand): tightened at start, each named.
    const loosened = ['hosts.jsonl', 'secret.key', 'admin-token', 'logs'].map((f) => path.join(data, f));
    await chmod(data, 0o755);
    for (const f of loosened) await chmod(f, f.endsWith('logs') ? 0o755 : 0o644);
    srv = await startTestServer({ dataDir: data, templatesDir: templates, env: { KICKSTAND_ADMIN_TOKEN: '' } });
    await expectPrivate(data);
    const warned = srv.logs.filter((l) => l.level === 40 && typeof l.file === 'string').map((l) => l.file);
    expect(warned).toEqual(expect.arrayContaining([data, ...loosened]));
    expect(srv.logs.find((l) => l.file === path.join(data, 'secret.key'))!.msg).toContain('(mode 0644): tightened to 0600');
    expect((await readFile(path.join(data, 'secret.key'))).length).toBe(32);
    await srv.stop();
  });
});
