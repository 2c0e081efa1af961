// Secret params (root_password, *_password, *_secret, *_token, *_key) at rest and in answers: whatever
// path assigns them — the API, the host page's form, a profile, a rule, a bulk action — the data dir
// never holds them in plaintext, no answer or page shows them (a viewer sees "***"), and the machine's
// kickstart still gets the right hash and the opened secret. Data written in plaintext by an older
// version is hashed and sealed at the next start.
import { cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha512Crypt } from '../../src/kickstart/sha512-crypt.js';
import { LowdbStore } from '../../src/store/file/lowdb-store.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, registerMachine, webLogin, type Registered } from '../support/sessions.js';
import { tempDir } from '../support/temp.js';

const SECRET_TEMPLATE = `# secrets fixture for {{ host.id }}
rootpw --iscrypted {{ params.root_password | pwhash | ksarg }}
%post
echo {{ params.api_key | shellquote }} > /root/api-key
echo {{ params.site | shellquote }} > /root/site
%end
`;

let templates: string;
let srv: TestServer;
let viewer: string;
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Every plaintext secret handed over in this file. */
const plaintexts: string[] = [];
function secret(value: string): string {
  plaintexts.push(value);
  return value;
}

/** Every file under the data dir, with its text. */
async function dataFiles(dir: string): Promise<{ file: string; text: string }[]> {
  const out: { file: string; text: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.push({ file, text: (await readFile(file)).toString('latin1') });
  }
  return out;
}

async function expectNoPlaintextIn(dir: string): Promise<void> {
  const leaks: string[] = [];
  for (const { file, text } of await dataFiles(dir)) for (const p of plaintexts) if (text.includes(p)) leaks.push(`${p} in ${file}`);
  expect(leaks).toEqual([]);
}

async function poll(reg: Registered): Promise<string> {
  const res = await request(srv.url).get(`/api/v1/discovery/${reg.id}/next`).set(bearer(reg.token)).expect(200);
  expect(res.headers['cache-control']).toBe('no-store');
  return res.text;
}

/** The kickstart carries a hash of `password` (not the password) and the opened `apiKey`. */
function expectDelivered(ks: string, password: string, apiKey: string): void {
  const hash = /^rootpw --iscrypted (\S+)$/m.exec(ks)![1]!;
  expect(hash).toMatch(/^\$6\$/);
  expect(sha512Crypt(password, hash)).toBe(hash);
  expect(ks).not.toContain(password);
  expect(ks).toContain(`echo '${apiKey}' > /root/api-key`);
}

beforeAll(async () => {
  templates = await tempDir('kickstand-secrets-rest-tpl-');
  await cp(path.resolve('test/fixtures/kickstarts'), templates, { recursive: true });
  await writeFile(path.join(templates, 'secrets.ks.njk'), SECRET_TEMPLATE);
  srv = await startTestServer({ templatesDir: templates });
  await createUser(srv, 'vera', 'viewer', 'vera-Viewer-pass-1');
  viewer = (await request(srv.url).post('/api/v1/users/vera/tokens').set(admin()).send({ name: 'read' }).expect(201)).body.token as string;
});
afterAll(async () => srv.stop());

describe('secret params at rest and in answers', () => {
  it('When secrets are assigned by the API, the web form, a profile, a rule and a bulk action, then no file of the data dir and no answer or page holds them, and each kickstart gets the right hash and opened secret', async () => {
    const [a, b, c, d, e] = [
      await registerMachine(srv.url),
      await registerMachine(srv.url),
      await registerMachine(srv.url),
      await registerMachine(srv.url),
      await registerMachine(srv.url),
    ];
    // API
    const apiParams = { root_password: secret('api-Root-pass-111'), api_key: secret('api-key-aaaa1111'), site: 'lab' };
    const assigned = await request(srv.url)
      .post(`/api/v1/hosts/${a.id}/assignment`)
      .set(admin())
      .send({ action: 'kickstart', template: 'secrets.ks.njk', params: apiParams })
      .expect(200);
    expect(assigned.body.assignment.params).toEqual({ root_password: '***', api_key: '***', site: 'lab' });
    // The host page's form
    const web = await webLogin(srv, 'admin', srv.running.adminPasswordGenerated!);
    await web.agent
      .post(`/hosts/${b.id}/assign`)
      .type('form')
      .send({
        _csrf: web.csrf,
        template: 'secrets.ks.njk',
        params: JSON.stringify({ root_password: secret('web-Root-pass-222'), api_key: secret('web-key-bbbb2222'), site: 'lab' }),
      })
      .expect(303);
    // A profile, assigned directly, by a rule and by a bulk action
    const profile = {
      name: 'vault',
      action: 'kickstart',
      template: 'secrets.ks.njk',
      params: { root_password: secret('profile-Root-pass-333'), api_key: secret('profile-key-cccc3333'), site: 'dc1' },
    };
    const created = await request(srv.url).post('/api/v1/profiles').set(admin()).send(profile).expect(201);
    expect(created.body.params).toEqual({ root_password: '***', api_key: '***', site: 'dc1' });
    await request(srv.url).post(`/api/v1/hosts/${c.id}/assignment`).set(admin()).send({ profile: 'vault' }).expect(200);
    await request(srv.url)
      .post('/api/v1/rules')
      .set(admin())
      .send({ name: 'to-vault', expression: 'memory_mib > 1', profile: 'vault' })
      .expect(201);
    expect((await request(srv.url).post(`/api/v1/hosts/${d.id}/auto-assign`).set(admin()).expect(200)).body.outcome).toBe('assigned');
    await web.agent
      .post('/hosts/bulk')
      .type('form')
      .send({ _csrf: web.csrf, ids: [e.id], bulk_action: 'assign', profile: 'vault' })
      .expect(303);

    // What a viewer reads: the API and the pages say "***".
    const viewerWeb = await webLogin(srv, 'vera', 'vera-Viewer-pass-1');
    const answers: string[] = [];
    answers.push((await request(srv.url).get('/api/v1/hosts').set(bearer(viewer)).expect(200)).text);
    for (const h of [a, b, c, d, e]) {
      const detail = await request(srv.url).get(`/api/v1/hosts/${h.id}`).set(bearer(viewer)).expect(200);
      expect(detail.body.assignment.params.root_password).toBe('***');
      expect(detail.body.assignment.params.api_key).toBe('***');
      answers.push(detail.text, (await viewerWeb.agent.get(`/hosts/${h.id}`).expect(200)).text);
    }
    const profiles = await request(srv.url).get('/api/v1/profiles').set(bearer(viewer)).expect(200);
    expect(profiles.body.profiles[0].params).toEqual({ root_password: '***', api_key: '***', site: 'dc1' });
    answers.push(profiles.text, (await request(srv.url).get('/api/v1/profiles/vault').set(bearer(viewer)).expect(200)).text);
    answers.push(
      (await viewerWeb.agent.get('/profiles').expect(200)).text,
      (await web.agent.get('/profiles/vault').expect(200)).text,
      (await web.agent.get('/hosts').expect(200)).text,
    );
    answers.push((await request(srv.url).get('/api/v1/rules').set(bearer(viewer)).expect(200)).text);
    for (const text of answers) {
      for (const p of plaintexts) expect(text).not.toContain(p);
      expect(text).not.toMatch(/kickstand-sealed:|\$6\$/);
    }
    expect(answers.join('\n')).toContain('***');

    // The data dir, before and after a restart (which makes the .last-good copies).
    await expectNoPlaintextIn(srv.dataDir);
    await srv.stop();
    srv = await startTestServer({ dataDir: srv.dataDir, templatesDir: templates });
    expect((await readdir(srv.dataDir)).filter((f) => f.endsWith('.last-good')).length).toBe(2);
    await expectNoPlaintextIn(srv.dataDir);

    // The machines: the kickstart is the one place a sealed secret is opened.
    expectDelivered(await poll(a), 'api-Root-pass-111', 'api-key-aaaa1111');
    expectDelivered(await poll(b), 'web-Root-pass-222', 'web-key-bbbb2222');
    for (const h of [c, d, e]) expectDelivered(await poll(h), 'profile-Root-pass-333', 'profile-key-cccc3333');
    const preview = await request(srv.url).get(`/api/v1/hosts/${a.id}/kickstart`).set(admin()).expect(200);
    expect(preview.headers['cache-control']).toBe('no-store');
    expectDelivered(preview.text, 'api-Root-pass-111', 'api-key-aaaa1111');
    await expectNoPlaintextIn(srv.dataDir);
  });

  it('When a profile is saved back with "***" for its secrets (the edit form shows them so), then the stored secrets are kept; "***" with nothing stored is refused', async () => {
    const params = { root_password: secret('keep-Root-pass-444'), api_key: secret('keep-key-dddd4444'), site: 'x' };
    await request(srv.url)
      .post('/api/v1/profiles')
      .set(admin())
      .send({ name: 'keep', action: 'kickstart', template: 'secrets.ks.njk', params })
      .expect(201);
    const shown = (await request(srv.url).get('/api/v1/profiles/keep').set(admin()).expect(200)).body;
    await request(srv.url)
      .put('/api/v1/profiles/keep')
      .set(admin())
      .send({ action: 'kickstart', template: 'secrets.ks.njk', params: { ...shown.params, site: 'y' } })
      .expect(200);
    const h = await registerMachine(srv.url);
    await request(srv.url).post(`/api/v1/hosts/${h.id}/assignment`).set(admin()).send({ profile: 'keep' }).expect(200);
    const ks = await poll(h);
    expectDelivered(ks, 'keep-Root-pass-444', 'keep-key-dddd4444');
    expect(ks).toContain("echo 'y' > /root/site");
    const refused = await request(srv.url)
      .post('/api/v1/profiles')
      .set(admin())
      .send({ name: 'stars', action: 'kickstart', template: 'secrets.ks.njk', params: { root_password: '***' } })
      .expect(400);
    expect(refused.body.error).toMatchObject({ code: 'VALIDATION', field: 'params' });
    expect(refused.body.error.message).toContain('params.root_password');
  });

  it('When a data dir holds secret params in plaintext (an older version), then the start hashes and seals them in place, and the kickstart is unchanged for the machine', async () => {
    const h = await registerMachine(srv.url);
    const dir = srv.dataDir;
    await srv.stop();
    // Written as an older version did: straight into the store, nothing protected.
    const store = await LowdbStore.open(dir);
    const host = (await store.hosts.get(h.id))!;
    const params = { root_password: secret('old-Root-pass-555'), api_key: secret('old-key-eeee5555'), site: 'old' };
    await store.hosts.save({
      ...host,
      state: 'assigned',
      hostname: 'old.example.com',
      assignment: { action: 'kickstart', template: 'secrets.ks.njk', params },
    });
    const now = new Date().toISOString();
    await store.profiles.save({
      name: 'old',
      action: 'kickstart',
      template: 'secrets.ks.njk',
      params: { db_password: secret('old-Db-pass-666'), app_secret: secret('old-app-secret-777') },
      bootable: false,
      created_at: now,
      updated_at: now,
    });
    await store.close();
    await writeFile(path.join(dir, 'hosts.jsonl.last-good'), await readFile(path.join(dir, 'hosts.jsonl')));
    expect(await readFile(path.join(dir, 'hosts.jsonl'), 'utf-8')).toContain('old-Root-pass-555');

    srv = await startTestServer({ dataDir: dir, templatesDir: templates });
    await expectNoPlaintextIn(dir);
    expect(srv.logs.some((l) => String(l.msg).includes('secret params stored in plaintext'))).toBe(true);
    expectDelivered(await poll(h), 'old-Root-pass-555', 'old-key-eeee5555');
    const stored = JSON.parse(await readFile(path.join(dir, 'kickstand.json'), 'utf-8')) as {
      profiles: Record<string, { params: Record<string, string> }>;
    };
    expect(sha512Crypt('old-Db-pass-666', stored.profiles.old!.params.db_password)).toBe(stored.profiles.old!.params.db_password);
    expect(stored.profiles.old!.params.app_secret).toMatch(/^kickstand-sealed:v1:/);
    expect((await stat(path.join(dir, 'secret.key'))).size).toBe(32);
  });
});
