// The template API: authors save (refused at the line when it does not compile, the running version
// staying in service), every save is a version with author, time and diff, rollback, conflicts, and a
// preview that lints the rendered kickstart. Runs on a copy of the shipped templates folder.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { sampleFacts } from '../support/facts.js';

let srv: TestServer;
let dir: string;
const tokens: Record<string, string> = {};
const api = (method: 'get' | 'put' | 'post', url: string, who = 'author') =>
  request(srv.url)[method](url).set('Authorization', `Bearer ${tokens[who]}`);
const fileText = (name: string) => readFile(path.join(dir, name), 'utf-8');

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-templates-'));
  await cp(path.resolve('kickstarts'), dir, { recursive: true });
  await writeFile(path.join(dir, 'site.ks.njk'), 'text\nnetwork --bootproto=dhcp --hostname={{ host.hostname }}\nreboot\n');
  srv = await startTestServer({ templatesDir: dir });
  tokens.admin = srv.adminToken;
  for (const role of ['operator', 'author', 'viewer']) {
    await request(srv.url)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${srv.adminToken}`)
      .send({ name: `${role}1`, role, password: `${role}-password-123` })
      .expect(201);
    tokens[role] = (
      await request(srv.url)
        .post(`/api/v1/users/${role}1/tokens`)
        .set('Authorization', `Bearer ${srv.adminToken}`)
        .send({ name: 't' })
        .expect(201)
    ).body.token;
  }
});
afterAll(async () => {
  await srv.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('template API', () => {
  it('When templates are listed, then every .njk and .sh file below the folder is there, snippets and shell included', async () => {
    const res = await api('get', '/api/v1/templates', 'viewer').expect(200);
    const names = res.body.templates.map((t: { name: string }) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['rhel.ks.njk', 'stub.ks.njk', 'snippets/network.njk', 'discovery/pre.sh', 'site.ks.njk']),
    );
    expect(names.some((n: string) => n.startsWith('samples/'))).toBe(false);
  });

  it('When an author saves, then the file changes, the first save records the shipped text, and the version names author, time and diff', async () => {
    const before = await fileText('site.ks.njk');
    const opened = (await api('get', '/api/v1/templates/site.ks.njk', 'viewer').expect(200)).body;
    expect(opened.content).toBe(before);
    const next = before.replace('reboot', 'poweroff');
    const res = await api('put', '/api/v1/templates/site.ks.njk')
      .send({ content: next, base_sha256: opened.sha256, message: 'power off after install' })
      .expect(200);
    expect(res.body).toMatchObject({
      changed: true,
      version: { name: 'site.ks.njk', version: 2, author: 'author1', action: 'save', message: 'power off after install' },
    });
    expect(await fileText('site.ks.njk')).toBe(next);
    const versions = (await api('get', '/api/v1/templates/site.ks.njk', 'viewer').expect(200)).body.versions;
    expect(versions.map((v: { version: number; action: string; author: string }) => [v.version, v.action, v.author])).toEqual([
      [1, 'import', 'disk'],
      [2, 'save', 'author1'],
    ]);
    const v2 = (await api('get', '/api/v1/templates/site.ks.njk/versions/2', 'viewer').expect(200)).body;
    expect(v2.diff).toBe('@@ -1,3 +1,3 @@\n text\n network --bootproto=dhcp --hostname={{ host.hostname }}\n-reboot\n+poweroff');
    expect(Date.now() - Date.parse(v2.at)).toBeLessThan(60_000);
    const audit = (await api('get', '/api/v1/audit', 'admin').expect(200)).body.entries;
    expect(audit[0]).toMatchObject({ actor: 'author1', action: 'template.save', target: 'site.ks.njk' });
  });

  it('When a save does not compile, then it is refused naming the line, and the running file and the kickstarts it renders stay as they were', async () => {
    const running = await fileText('site.ks.njk');
    const broken = 'text\n{% if host.hostname %}\nnetwork --hostname={{ host.hostname }}\nreboot\n';
    const res = await api('put', '/api/v1/templates/site.ks.njk').send({ content: broken }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'TEMPLATE_SYNTAX', field: 'content' });
    expect(res.body.error.message).toMatch(/^site\.ks\.njk line 2, column 1: \{% if %\} is never closed/);
    const typo = await api('put', '/api/v1/templates/site.ks.njk').send({ content: 'text\nreboot\n{{ host.hostname }\n' }).expect(400);
    expect(typo.body.error.message).toMatch(/line 3, column \d+: .*expected variable end/);
    expect(await fileText('site.ks.njk')).toBe(running);
    const versions = (await api('get', '/api/v1/templates/site.ks.njk', 'viewer').expect(200)).body.versions;
    expect(versions).toHaveLength(2);
  });

  it('When the file changed since the editor opened it, then the save is refused with 409 and nothing is lost', async () => {
    const opened = (await api('get', '/api/v1/templates/site.ks.njk', 'viewer').expect(200)).body;
    await api('put', '/api/v1/templates/site.ks.njk', 'admin')
      .send({ content: `${opened.content}# admin's change\n`, base_sha256: opened.sha256 })
      .expect(200);
    const res = await api('put', '/api/v1/templates/site.ks.njk')
      .send({ content: `${opened.content}# author's change\n`, base_sha256: opened.sha256 })
      .expect(409);
    expect(res.body.error).toMatchObject({ code: 'TEMPLATE_CHANGED', field: 'base_sha256' });
    expect(res.body.error.message).toContain('by admin-token');
    expect(await fileText('site.ks.njk')).toContain("# admin's change");
  });

  it('When a file is changed on disk outside Kickstand, then the next save records that text first, so it can be rolled back to', async () => {
    await writeFile(path.join(dir, 'site.ks.njk'), 'text\n# edited on the server\nreboot\n');
    const res = await api('put', '/api/v1/templates/site.ks.njk').send({ content: 'text\n# saved in Kickstand\nreboot\n' }).expect(200);
    const versions = (await api('get', '/api/v1/templates/site.ks.njk', 'viewer').expect(200)).body.versions;
    const imported = versions.at(-2);
    expect(imported).toMatchObject({ action: 'import', author: 'disk', message: 'changed on disk outside Kickstand' });
    expect((await api('get', `/api/v1/templates/site.ks.njk/versions/${imported.version}`, 'viewer').expect(200)).body.content).toBe(
      'text\n# edited on the server\nreboot\n',
    );
    expect(res.body.version.version).toBe(Number(imported.version) + 1);
  });

  it('When an author rolls back, then the old text is in service again as a new version, and the kickstart served changes with it', async () => {
    const mac = '52:54:00:aa:bb:01';
    const reg = await request(srv.url)
      .post('/api/v1/discovery')
      .send(sampleFacts({ boot_mac: mac }))
      .expect(201);
    await api('post', `/api/v1/hosts/${reg.body.id}/assignment`, 'operator')
      .send({ action: 'kickstart', template: 'site.ks.njk', hostname: 'rb1.example.com' })
      .expect(200);
    const served = async () => (await api('get', `/api/v1/hosts/${reg.body.id}/kickstart`, 'operator').expect(200)).text;
    expect(await served()).toContain('# saved in Kickstand');
    const res = await api('post', '/api/v1/templates/site.ks.njk/rollback').send({ version: 2 }).expect(200);
    expect(res.body.version).toMatchObject({ action: 'rollback', restored: 2, author: 'author1' });
    expect(await fileText('site.ks.njk')).toBe((await api('get', '/api/v1/templates/site.ks.njk/versions/2', 'viewer')).body.content);
    expect(await served()).toContain('poweroff');
    await api('post', '/api/v1/templates/site.ks.njk/rollback').send({ version: 999 }).expect(404);
  });

  it('When a new file is saved, then it is created (201) and can be assigned; a name that escapes the folder is refused', async () => {
    await api('put', '/api/v1/templates/snippets/site-extra.njk')
      .send({ content: 'services --enabled=chronyd\n', base_sha256: '' })
      .expect(201);
    expect(await fileText('snippets/site-extra.njk')).toBe('services --enabled=chronyd\n');
    for (const bad of ['../escape.njk', 'snippets/../../x.njk', '.hidden.njk', 'x.txt', 'a//b.njk']) {
      const res = await api('put', `/api/v1/templates/${bad.split('/').map(encodeURIComponent).join('/')}`).send({ content: 'x' });
      expect([400, 404], bad).toContain(res.status);
    }
    await expect(readFile(path.join(dir, '..', 'escape.njk'))).rejects.toThrow();
  });

  it('When an operator or a viewer saves, previews or rolls back, then 403; they can still read', async () => {
    for (const who of ['operator', 'viewer']) {
      await api('put', '/api/v1/templates/site.ks.njk', who).send({ content: 'x\n' }).expect(403);
      await api('post', '/api/v1/templates/site.ks.njk/rollback', who).send({ version: 1 }).expect(403);
      await api('post', '/api/v1/templates/site.ks.njk/preview', who).send({}).expect(403);
      await api('get', '/api/v1/templates/site.ks.njk', who).expect(200);
    }
    await api('put', '/api/v1/templates/site.ks.njk').send({ content: 'x\n', extra: 1 }).expect(400);
  });
});

describe('template preview and lint', () => {
  const preview = (name: string, body: object) => api('post', `/api/v1/templates/${name}/preview`).send(body).expect(200);

  it('When the shipped RHEL template is previewed for each sample with valid params, then it renders with no finding', async () => {
    const params = { repo: 'http://192.0.2.20/rhel9/BaseOS/x86_64/os', root_password_hash: '$6$abcdefgh$' + 'x'.repeat(86) };
    for (const sample of ['small-vm', 'dell-r650', 'arm64']) {
      const res = await preview('rhel.ks.njk', { sample, params });
      expect(res.body.findings, sample).toEqual([]);
      expect(res.body.rendered).toContain('url --url=http://192.0.2.20/rhel9/BaseOS/x86_64/os');
      expect(res.body.target).toBe(`sample ${sample}`);
    }
  });

  it('When a draft has an unknown command, an unclosed section and a %pre, then each is a finding at its rendered line, and nothing is saved', async () => {
    const before = await fileText('site.ks.njk');
    const draft = 'text\nnetwork --bootproto=dhcp\nbogus --flag\n%pre\necho hi\n%end\n%packages\n@core\n';
    const res = await preview('site.ks.njk', { content: draft, sample: 'small-vm' });
    const byCode = Object.fromEntries(res.body.findings.map((f: { code: string; line: number; in: string }) => [f.code, [f.line, f.in]]));
    expect(byCode).toMatchObject({
      UNKNOWN_COMMAND: [3, 'rendered'],
      PRE_IN_INCLUDED: [4, 'rendered'],
      UNTERMINATED_SECTION: [8, 'rendered'],
    });
    // Like pykickstart, the open section is reported where the text ends, naming the line that opened it.
    expect(res.body.findings.find((f: { code: string }) => f.code === 'UNTERMINATED_SECTION').message).toBe(
      '%packages (line 7) does not end with %end',
    );
    expect(await fileText('site.ks.njk')).toBe(before);
  });

  it('When a draft uses an undefined variable, then the finding names it and its template line', async () => {
    const res = await preview('site.ks.njk', { content: 'text\n\nrootpw --iscrypted {{ params.root_hash }}\n', sample: 'small-vm' });
    expect(res.body.findings).toEqual([
      expect.objectContaining({ in: 'template', line: 3, code: 'TEMPLATE_RENDER', message: expect.stringContaining('params.root_hash') }),
    ]);
    expect(res.body.rendered).toBeUndefined();
  });

  it('When a discovered host is the target, then its facts and its assignment params are used; a profile adds its params', async () => {
    const mac = '52:54:00:aa:bb:02';
    const reg = await request(srv.url)
      .post('/api/v1/discovery')
      .send(sampleFacts({ boot_mac: mac }))
      .expect(201);
    await api('post', '/api/v1/profiles', 'operator')
      .send({ name: 'p-tz', action: 'kickstart', template: 'site.ks.njk', params: { tz: 'Europe/Paris' } })
      .expect(201);
    const res = await preview('site.ks.njk', {
      content: 'text\nnetwork --device={{ host.boot_mac }}\ntimezone {{ params.tz }}\n',
      host: reg.body.id,
      profile: 'p-tz',
    });
    expect(res.body.rendered).toBe(`text\nnetwork --device=${mac}\ntimezone Europe/Paris\n`);
    expect(res.body.findings).toEqual([]);
    await api('post', '/api/v1/templates/site.ks.njk/preview').send({ host: 'no-such-host' }).expect(404);
  });

  it('When an author previews the saved text, a draft, and a draft the sandbox refuses, then each preview is in the audit with the author and the template', async () => {
    await preview('site.ks.njk', { sample: 'small-vm' });
    await preview('site.ks.njk', { content: 'text\n', sample: 'small-vm' });
    const refused = await preview('site.ks.njk', { content: 'text\n{{ range.constructor("return 1")() }}\n', sample: 'small-vm' });
    expect(refused.body.findings).toEqual([
      expect.objectContaining({
        code: 'TEMPLATE_RENDER',
        line: 2,
        message: expect.stringContaining('"constructor" is not available in templates'),
      }),
    ]);
    const entries = (await api('get', '/api/v1/audit', 'admin').expect(200)).body.entries.filter(
      (e: { action: string }) => e.action === 'template.preview',
    );
    expect(entries.slice(0, 3)).toEqual([
      expect.objectContaining({
        actor: 'author1',
        target: 'site.ks.njk',
        detail: expect.stringMatching(/^unsaved text not rendered: .*constructor/),
      }),
      expect.objectContaining({ actor: 'author1', target: 'site.ks.njk', detail: 'unsaved text for sample small-vm' }),
      expect.objectContaining({ actor: 'author1', target: 'site.ks.njk', detail: 'saved text for sample small-vm' }),
    ]);
  });

  it('When the version is taken from the installer, then a RHEL 8 installer is checked as RHEL8 (timesource is unknown there)', async () => {
    const rhel8 = await preview('site.ks.njk', { content: 'timesource --ntp-server=ntp.example.com\n', sample: 'small-vm' });
    expect(rhel8.body.version).toBe('RHEL8');
    expect(rhel8.body.findings.map((f: { code: string }) => f.code)).toEqual(['UNKNOWN_COMMAND']);
    const declared = await preview('site.ks.njk', {
      content: '#version=RHEL9\ntimesource --ntp-server=ntp.example.com\n',
      sample: 'small-vm',
    });
    expect(declared.body).toMatchObject({ version: 'RHEL9', findings: [] });
  });

  it('When a shell library is previewed, then bash -n findings carry their line', async () => {
    const res = await preview('discovery/pre.sh', { content: 'ok() {\n  echo fine\n}\nif true; then\n  echo no fi\n' });
    expect(res.body.findings[0]).toMatchObject({ in: 'template', code: 'SHELL_SYNTAX', line: 6 });
    expect((await preview('discovery/pre.sh', {})).body.findings).toEqual([]);
  });
});
