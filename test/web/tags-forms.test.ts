// The tag forms through the web: a host's tags panel (free tags editable by hosts:write, automatic ones
// marked), the hosts table's badges and its bulk "add tag" / "remove tag", and the Tags page (list with
// host counts for everyone; create, edit, delete for hosts:write). Every form needs the session's CSRF
// token; viewers and authors change nothing; a bad submit shows the error next to its field, keeps what
// was typed and changes nothing stored; hostile text stays escaped.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, registerMachine, webLogin } from '../support/sessions.js';
import { sampleFacts } from '../support/facts.js';
import { reevaluationSettled } from '../../src/tags/auto-tags.js';

const GPU = { slot: '0000:3b:00.0', class: '3D controller', class_id: '0302', vendor: 'NVIDIA Corporation', vendor_id: '10de' };

let srv: TestServer;
let hostId: string;
type Login = Awaited<ReturnType<typeof webLogin>>;
const logins: Record<string, Login> = {};
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });
const hostTags = async (id = hostId) =>
  (await request(srv.url).get(`/api/v1/hosts/${id}`).set(admin()).expect(200)).body as { tags?: string[]; auto_tags?: string[] };
const definitions = async () =>
  (await request(srv.url).get('/api/v1/tags').set(admin()).expect(200)).body.tags as { name: string; expression: string; hosts: number }[];

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  for (const role of ['admin', 'operator', 'author', 'viewer']) {
    await createUser(srv, `web-${role}`, role, `${role}-password-123`);
    logins[role] = await webLogin(srv, `web-${role}`, `${role}-password-123`);
  }
  hostId = (await registerMachine(srv.url, sampleFacts({ pci: [GPU] }))).id;
});
afterAll(async () => {
  await reevaluationSettled(srv.running.deps);
  await srv.stop();
});

describe('host tags panel', () => {
  it('When an operator saves free tags, then they are stored sorted and the page shows them, automatic ones marked', async () => {
    await request(srv.url).put('/api/v1/tags/gpu').set(admin()).send({ expression: 'count(gpus) > 0' }).expect(201);
    await reevaluationSettled(srv.running.deps);
    const { agent, csrf } = logins.operator!;
    await agent.post(`/hosts/${hostId}/tags`).type('form').send({ _csrf: csrf, tags: 'rack-12, db  db' }).expect(303);
    expect(await hostTags()).toMatchObject({ tags: ['db', 'rack-12'], auto_tags: ['gpu'] });
    const page = (await agent.get(`/hosts/${hostId}`).expect(200)).text;
    expect(page).toContain('id="tags-form"');
    expect(page).toContain('value="db rack-12"');
    expect(page).toMatch(/class="tag auto"[^>]*>gpu <small>auto<\/small>/);
  });

  it('When a tag is bad, then the error is next to the field, what was typed is kept (escaped), and nothing changes', async () => {
    const { agent, csrf } = logins.operator!;
    const res = await agent.post(`/hosts/${hostId}/tags`).type('form').send({ _csrf: csrf, tags: 'ok "><script>x</script>' }).expect(400);
    expect(res.text).toContain('id="error-tags"');
    expect(res.text).not.toContain('<script>x</script>');
    expect(res.text).toContain('&lt;script&gt;');
    expect((await hostTags()).tags).toEqual(['db', 'rack-12']);
  });

  it('When a viewer or an author posts the form, or the CSRF token is missing, then 403 and nothing changes; they see no form', async () => {
    for (const role of ['viewer', 'author']) {
      const { agent, csrf } = logins[role]!;
      await agent.post(`/hosts/${hostId}/tags`).type('form').send({ _csrf: csrf, tags: 'evil' }).expect(403);
      expect((await agent.get(`/hosts/${hostId}`).expect(200)).text).not.toContain('id="tags-form"');
    }
    await logins.operator!.agent.post(`/hosts/${hostId}/tags`).type('form').send({ tags: 'evil' }).expect(403);
    expect((await hostTags()).tags).toEqual(['db', 'rack-12']);
  });
});

describe('hosts table', () => {
  it('When hosts have tags, then the table shows them as badges, and the bulk form adds and removes one', async () => {
    const other = (await registerMachine(srv.url, sampleFacts())).id;
    const { agent, csrf } = logins.operator!;
    const list = (await agent.get('/hosts').expect(200)).text;
    expect(list).toMatch(/<span class="tag">rack-12<\/span>/);
    expect(list).toMatch(/<span class="tag auto" title="automatic">gpu<\/span>/);
    expect(list).toContain('value="tag"');
    const withColumn = (await agent.get('/hosts?cols=tags&sort=tags').expect(200)).text;
    expect(withColumn).toContain('title="db gpu rack-12">db gpu rack-12</span>');

    await agent
      .post('/hosts/bulk')
      .type('form')
      .send({ _csrf: csrf, bulk_action: 'tag', tag: 'batch-1', ids: [hostId, other] })
      .expect(303);
    expect((await hostTags()).tags).toEqual(['batch-1', 'db', 'rack-12']);
    expect((await hostTags(other)).tags).toEqual(['batch-1']);
    await agent
      .post('/hosts/bulk')
      .type('form')
      .send({ _csrf: csrf, bulk_action: 'untag', tag: 'batch-1', scope: 'query', query: 'where=%22batch-1%22+in+tags' })
      .expect(303);
    expect((await hostTags()).tags).toEqual(['db', 'rack-12']);
    expect((await hostTags(other)).tags).toBeUndefined();
  });

  it('When the bulk tag is bad, then the list says so at the Tag field and nothing changes', async () => {
    const { agent, csrf } = logins.operator!;
    const res = await agent
      .post('/hosts/bulk')
      .type('form')
      .send({ _csrf: csrf, bulk_action: 'tag', tag: 'Bad Tag', ids: [hostId] })
      .expect(303);
    const page = (await agent.get(String(res.headers.location)).expect(200)).text;
    expect(page).toContain('id="error-tag"');
    expect((await hostTags()).tags).toEqual(['db', 'rack-12']);
    await logins
      .viewer!.agent.post('/hosts/bulk')
      .type('form')
      .send({ _csrf: logins.viewer!.csrf, bulk_action: 'tag', tag: 'x', ids: [hostId] })
      .expect(403);
  });
});

describe('Tags page', () => {
  it('When anyone opens /tags, then definitions show with their host counts and the free tags in use; only hosts:write sees the form', async () => {
    const viewerPage = (await logins.viewer!.agent.get('/tags').expect(200)).text;
    expect(viewerPage).toMatch(/id="tag-gpu"[\s\S]*count\(gpus\) &gt; 0[\s\S]*>1<\/a>/);
    expect(viewerPage).toContain('rack-12 <small>1</small>');
    expect(viewerPage).not.toContain('id="tag-form"');
    expect(viewerPage).toContain('href="/tags" aria-current="page"');
    expect((await logins.operator!.agent.get('/tags').expect(200)).text).toContain('id="tag-form"');
    await logins.viewer!.agent.get('/tags/gpu').expect(403);
  });

  it('When an operator creates, edits and deletes a definition, then hosts are re-evaluated and the page says how many', async () => {
    const { agent, csrf } = logins.operator!;
    const created = await agent
      .post('/tags')
      .type('form')
      .send({ _csrf: csrf, name: 'dell', expression: 'dmi.vendor ~ "Dell"', description: '<b>vendor</b>' })
      .expect(303);
    expect(created.headers.location).toMatch(/^\/tags\?reevaluating=\d+$/);
    await reevaluationSettled(srv.running.deps);
    expect((await hostTags()).auto_tags).toEqual(['dell', 'gpu']);
    const page = (await agent.get(String(created.headers.location)).expect(200)).text;
    expect(page).toMatch(/Saved: \d+ host\(s\) are being re-evaluated/);
    expect(page).toContain('&lt;b&gt;vendor&lt;/b&gt;');

    expect((await agent.get('/tags/dell').expect(200)).text).toContain('dmi.vendor ~ &quot;Dell&quot;');
    await agent.post('/tags/dell').type('form').send({ _csrf: csrf, expression: 'dmi.vendor ~ "HPE"' }).expect(303);
    await reevaluationSettled(srv.running.deps);
    expect((await hostTags()).auto_tags).toEqual(['gpu']);

    const unconfirmed = await agent.post('/tags/dell/delete').type('form').send({ _csrf: csrf }).expect(400);
    expect(unconfirmed.text).toContain('id="error-confirm"');
    await agent.post('/tags/dell/delete').type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
    expect((await definitions()).map((d) => d.name)).toEqual(['gpu']);
  });

  it('When the expression is bad or the name taken, then the error is next to its field with its line and column, and nothing is stored', async () => {
    const { agent, csrf } = logins.admin!;
    const bad = await agent.post('/tags').type('form').send({ _csrf: csrf, name: 'broken', expression: 'memory_mib >\n' }).expect(400);
    expect(bad.text).toMatch(/id="error-expression">expression line \d+, column \d+/);
    expect(bad.text).toContain('value="broken"');
    const taken = await agent.post('/tags').type('form').send({ _csrf: csrf, name: 'gpu', expression: 'true' }).expect(409);
    expect(taken.text).toContain('id="error-name"');
    const defs = await definitions();
    expect(defs.map((d) => `${d.name}=${d.expression}`)).toEqual(['gpu=count(gpus) > 0']);
  });

  it('When a viewer or an author posts, or the CSRF token is missing, then 403 and nothing changes', async () => {
    for (const role of ['viewer', 'author']) {
      const { agent, csrf } = logins[role]!;
      await agent.post('/tags').type('form').send({ _csrf: csrf, name: 'evil', expression: 'true' }).expect(403);
      await agent.post('/tags/gpu').type('form').send({ _csrf: csrf, expression: 'false' }).expect(403);
      await agent.post('/tags/gpu/delete').type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(403);
    }
    await logins.operator!.agent.post('/tags/gpu/delete').type('form').send({ confirm: 'yes' }).expect(403);
    expect((await definitions()).map((d) => `${d.name}=${d.expression}`)).toEqual(['gpu=count(gpus) > 0']);
  });
});
