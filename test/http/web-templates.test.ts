// Template pages: the editor saves, refuses a broken save at its line with the typed text kept,
// previews with lint findings, and the history shows diffs and rolls back. Roles and CSRF hold.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
let dir: string;
const PASSWORD = 'template-page-password';
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
const unescape = (html: string) =>
  html
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

async function logIn(name: string) {
  const agent = request.agent(srv.url);
  const form = await agent.get('/login');
  await agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfOf(form.text), name, password: PASSWORD, next: '/templates' })
    .expect(303);
  const page = await agent.get('/templates').expect(200);
  return { agent, csrf: csrfOf(page.text), page: page.text };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-web-templates-'));
  await cp(path.resolve('kickstarts'), dir, { recursive: true });
  await writeFile(path.join(dir, 'lab.ks.njk'), 'text\nnetwork --hostname={{ host.hostname }}\nreboot\n');
  srv = await startTestServer({ templatesDir: dir });
  for (const role of ['author', 'operator', 'viewer']) {
    await request(srv.url)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${srv.adminToken}`)
      .send({ name: role, role, password: PASSWORD })
      .expect(201);
  }
});
afterAll(async () => {
  await srv.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('templates pages', () => {
  it('When an author opens the list and the editor, then every template is linked and the text is in the textarea', async () => {
    const { agent, page } = await logIn('author');
    expect(page).toContain('href="/templates/edit?name=snippets%2Fnetwork.njk"');
    const editor = await agent.get('/templates/edit?name=lab.ks.njk').expect(200);
    expect(unescape(editor.text)).toContain('network --hostname={{ host.hostname }}');
    expect(editor.text).toContain('formaction="/templates/preview"');
  });

  it('When a broken template is saved from the form, then the page says which line, keeps the typed text, marks the line, and the file is unchanged', async () => {
    const { agent, csrf } = await logIn('author');
    const editor = await agent.get('/templates/edit?name=lab.ks.njk');
    const sha = /name="base_sha256" value="([0-9a-f]*)"/.exec(editor.text)![1]!;
    const typed = 'text\nnetwork --hostname={{ host.hostname }\nreboot\n# typed by the author\n';
    const res = await agent
      .post('/templates/save')
      .type('form')
      .send({ _csrf: csrf, name: 'lab.ks.njk', base_sha256: sha, content: typed });
    expect(res.status).toBe(400);
    // The unclosed `{{` is on line 2; nunjucks stops at its lone `}` (column 37).
    expect(res.text).toMatch(/id="error-content">lab\.ks\.njk line 2, column 37: [^<]*expected variable end/);
    expect(res.text).toContain('data-error-line="2"');
    expect(unescape(res.text)).toContain('# typed by the author');
    expect(await readFile(path.join(dir, 'lab.ks.njk'), 'utf-8')).toBe('text\nnetwork --hostname={{ host.hostname }}\nreboot\n');
  });

  it('When a good template is saved, then it is in service, the history shows the diff, and a rollback restores it', async () => {
    const { agent, csrf } = await logIn('author');
    const editor = await agent.get('/templates/edit?name=lab.ks.njk');
    const sha = /name="base_sha256" value="([0-9a-f]*)"/.exec(editor.text)![1]!;
    const saved = await agent.post('/templates/save').type('form').send({
      _csrf: csrf,
      name: 'lab.ks.njk',
      base_sha256: sha,
      content: 'text\nnetwork --hostname={{ host.hostname }}\npoweroff\n',
      message: 'lab machines stay off',
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe('/templates/edit?name=lab.ks.njk&saved=2');
    expect((await agent.get(saved.headers.location!)).text).toContain('Saved as version 2');
    expect(await readFile(path.join(dir, 'lab.ks.njk'), 'utf-8')).toContain('poweroff');

    const history = await agent.get('/templates/history?name=lab.ks.njk').expect(200);
    expect(history.text).toContain('<span class="del">-reboot</span>');
    expect(history.text).toContain('<span class="add">+poweroff</span>');
    expect(history.text).toContain('lab machines stay off');
    const base = /name="base_sha256" value="([0-9a-f]*)"/.exec(history.text)![1]!;
    const back = await agent
      .post('/templates/rollback')
      .type('form')
      .send({ _csrf: csrf, name: 'lab.ks.njk', version: '1', base_sha256: base });
    expect(back.status).toBe(303);
    expect(await readFile(path.join(dir, 'lab.ks.njk'), 'utf-8')).toBe('text\nnetwork --hostname={{ host.hostname }}\nreboot\n');
    expect((await agent.get(back.headers.location!)).text).toMatch(/rollback of 1/);
  });

  it('When a draft is previewed, then the page shows the rendered lines and the findings, and nothing is saved', async () => {
    const { agent, csrf } = await logIn('author');
    const draft = 'text\nnetwork --hostname={{ host.hostname }}\nfrobnicate now\nreboot\n';
    const res = await agent
      .post('/templates/preview')
      .type('form')
      .send({ _csrf: csrf, name: 'lab.ks.njk', content: draft, target: 'sample:dell-r650', params: '' })
      .expect(200);
    expect(res.text).toContain('Preview for sample dell-r650');
    expect(res.text).toMatch(/rendered line 3: [^<]*frobnicate/);
    expect(res.text).toContain('<li class="flagged"><code>frobnicate now</code></li>');
    expect(res.text).toContain('<code>network --hostname=dell-r650.example.com</code>');
    expect(unescape(res.text)).toContain(draft.trim());
    expect(await readFile(path.join(dir, 'lab.ks.njk'), 'utf-8')).not.toContain('frobnicate');
    const bad = await agent.post('/templates/preview').type('form').send({ _csrf: csrf, name: 'lab.ks.njk', content: draft, params: '[1' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="error-params">params: not a JSON object/);
  });

  it('When a draft is previewed from the editor, then the audit names the signed-in author, template.preview and the template', async () => {
    const { agent, csrf } = await logIn('author');
    await agent
      .post('/templates/preview')
      .type('form')
      .send({ _csrf: csrf, name: 'lab.ks.njk', content: 'text\n', target: 'sample:small-vm', params: '' })
      .expect(200);
    const entries = (await request(srv.url).get('/api/v1/audit').set('Authorization', `Bearer ${srv.adminToken}`).expect(200)).body.entries;
    expect(entries.find((e: { action: string }) => e.action === 'template.preview')).toMatchObject({
      actor: 'author',
      target: 'lab.ks.njk',
      detail: 'unsaved text for sample small-vm',
    });
  });

  it('When an operator or a viewer posts a save, preview or rollback, then 403 and nothing changes; without the CSRF token, 403 too', async () => {
    for (const who of ['operator', 'viewer']) {
      const { agent, csrf } = await logIn(who);
      const editor = await agent.get('/templates/edit?name=lab.ks.njk').expect(200);
      expect(editor.text).toContain('readonly');
      expect(editor.text).not.toContain('id="save"');
      await agent.post('/templates/save').type('form').send({ _csrf: csrf, name: 'lab.ks.njk', content: 'x\n' }).expect(403);
      await agent.post('/templates/preview').type('form').send({ _csrf: csrf, name: 'lab.ks.njk', content: 'x\n' }).expect(403);
      await agent.post('/templates/rollback').type('form').send({ _csrf: csrf, name: 'lab.ks.njk', version: '1' }).expect(403);
    }
    const { agent } = await logIn('author');
    await agent.post('/templates/save').type('form').send({ _csrf: 'forged', name: 'lab.ks.njk', content: 'x\n' }).expect(403);
    expect(await readFile(path.join(dir, 'lab.ks.njk'), 'utf-8')).not.toBe('x\n');
  });
});
