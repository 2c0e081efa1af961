// Profiles and rules pages: create and delete through forms, errors next to the field with input
// kept, live preview that saves nothing, the auto-provision switch, and roles.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const PASSWORD = 'config-page-password';
const admin = (r: request.Test) => r.set('Authorization', `Bearer ${srv.adminToken}`);

async function logIn(name: string) {
  const agent = request.agent(srv.url);
  const form = await agent.get('/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
  await agent.post('/login').type('form').send({ _csrf: csrf, name, password: PASSWORD, next: '/profiles' }).expect(303);
  const page = await agent.get('/profiles').expect(200);
  return { agent, csrf: /name="_csrf" value="([^"]+)"/.exec(page.text)![1]! };
}

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  for (const role of ['operator', 'viewer']) {
    await request(srv.url)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${srv.adminToken}`)
      .send({ name: role, role, password: PASSWORD })
      .expect(201);
  }
});
afterAll(async () => srv.stop());

describe('profiles page', () => {
  it('When an operator creates a kickstart profile through the form, then it is listed and the template list comes from the folder', async () => {
    const { agent, csrf } = await logIn('operator');
    const page = await agent.get('/profiles');
    expect(page.text).toContain('<option>plain.ks.njk</option>');
    expect(page.text).not.toContain('<option>stub.ks.njk</option>');
    const res = await agent
      .post('/profiles')
      .type('form')
      .send({ _csrf: csrf, name: 'web-plain', action: 'kickstart', template: 'plain.ks.njk', params: '{"repo": "http://127.0.0.1/r"}' });
    expect(res.status).toBe(303);
    const saved = (await request(srv.url).get('/api/v1/profiles/web-plain').set('Authorization', `Bearer ${srv.adminToken}`)).body;
    expect(saved).toMatchObject({ action: 'kickstart', template: 'plain.ks.njk', params: { repo: 'http://127.0.0.1/r' } });
  });

  it('When the form is wrong, then the error sits next to its field and what was typed is kept', async () => {
    const { agent, csrf } = await logIn('operator');
    const res = await agent
      .post('/profiles')
      .type('form')
      .send({ _csrf: csrf, name: 'broken', action: 'kexec', kernel: 'ftp://nope', initrd: 'http://127.0.0.1/i', append: 'quiet' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="error-kernel">kernel has an invalid format/);
    expect(res.text).toContain('value="ftp://nope"');
    expect(res.text).toContain('value="quiet"');
  });

  it('When an operator creates a stage profile through the form, then its own fields are saved, and an error sits next to the stage field it is about', async () => {
    const { agent, csrf } = await logIn('operator');
    const form = {
      _csrf: csrf,
      name: 'web-stage',
      action: 'stage',
      kernel: 'http://127.0.0.1/kexec-kernel-ignored',
      stage_kernel: 'http://127.0.0.1/vmlinuz',
      stage_kernel_sha256: 'AB'.repeat(32),
      stage_kernel_size: '13000000',
      stage_initrd: 'http://127.0.0.1/initrd.img',
      stage_initrd_sha256: 'cd'.repeat(32),
      stage_initrd_size: ' 110000000 ',
      stage_append: 'inst.ks=http://127.0.0.1/ks.cfg',
      stage_disk: 'nvme0n1',
    };
    const bad = await agent
      .post('/profiles')
      .type('form')
      .send({ ...form, stage_initrd_size: '110 MB' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="error-stage_initrd_size">initrd_size must be integer/);
    expect(bad.text).toContain('value="110 MB"');
    await agent.post('/profiles').type('form').send(form).expect(303);
    const saved = (await request(srv.url).get('/api/v1/profiles/web-stage').set('Authorization', `Bearer ${srv.adminToken}`)).body;
    expect(saved).toMatchObject({
      action: 'stage',
      kernel: 'http://127.0.0.1/vmlinuz',
      kernel_sha256: 'ab'.repeat(32),
      kernel_size: 13000000,
      initrd_size: 110000000,
      append: 'inst.ks=http://127.0.0.1/ks.cfg',
      stage_disk: 'nvme0n1',
    });
    const edit = await agent.get('/profiles/web-stage').expect(200);
    expect(edit.text).toContain('name="stage_initrd_size" value="110000000"');
    expect(edit.text).toContain('name="kernel" value=""');
  });

  it('When a viewer posts the form, then it is refused and nothing is stored', async () => {
    const { agent, csrf } = await logIn('viewer');
    expect((await agent.get('/profiles')).text).not.toContain('<h2>New profile</h2>');
    const res = await agent
      .post('/profiles')
      .type('form')
      .set('Accept', 'text/html')
      .send({ _csrf: csrf, name: 'sneaky', action: 'reboot' });
    expect(res.status).toBe(403);
    await request(srv.url).get('/api/v1/profiles/sneaky').set('Authorization', `Bearer ${srv.adminToken}`).expect(404);
  });
});

describe('deleting profiles', () => {
  it('When an operator deletes an unused profile from its page, then it is gone and the audit names the operator', async () => {
    await admin(request(srv.url).post('/api/v1/profiles')).send({ name: 'spare', action: 'reboot' }).expect(201);
    const { agent, csrf } = await logIn('operator');
    const page = await agent.get('/profiles/spare').expect(200);
    expect(page.text).toContain('action="/profiles/spare/delete"');
    expect(page.text).not.toContain('id="delete-anyway"');
    const res = await agent.post('/profiles/spare/delete').type('form').send({ _csrf: csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/profiles');
    await admin(request(srv.url).get('/api/v1/profiles/spare')).expect(404);
    expect((await admin(request(srv.url).get('/api/v1/audit'))).body.entries[0]).toMatchObject({
      actor: 'operator',
      action: 'profile.delete',
      target: 'spare',
    });
  });

  it('When the profile is used by a rule, then 409 with who uses it next to the Delete button and nothing deleted; Delete anyway removes it', async () => {
    await admin(request(srv.url).post('/api/v1/profiles')).send({ name: 'busy', action: 'reboot' }).expect(201);
    await admin(request(srv.url).post('/api/v1/rules'))
      .send({ name: 'uses-busy', expression: 'memory_mib > 1', profile: 'busy' })
      .expect(201);
    const { agent, csrf } = await logIn('operator');
    const refused = await agent.post('/profiles/busy/delete').type('form').send({ _csrf: csrf });
    expect(refused.status).toBe(409);
    expect(refused.text).toMatch(
      /<\/form>\s*<p class="error" role="alert" id="error-delete">profile &quot;busy&quot; is used by rule uses-busy; &quot;Delete anyway&quot; removes it regardless<\/p>/,
    );
    expect(refused.text).toContain('id="delete-anyway"');
    expect(refused.text).toContain('value="busy" readonly');
    await admin(request(srv.url).get('/api/v1/profiles/busy')).expect(200);
    const forced = await agent.post('/profiles/busy/delete').type('form').send({ _csrf: csrf, force: '1' });
    expect(forced.status).toBe(303);
    await admin(request(srv.url).get('/api/v1/profiles/busy')).expect(404);
    await admin(request(srv.url).delete('/api/v1/rules/uses-busy')).expect(204);
  });

  it('When a viewer opens or posts a profile delete, then no button is shown, 403, and the profile stays', async () => {
    await admin(request(srv.url).post('/api/v1/profiles')).send({ name: 'kept', action: 'reboot' }).expect(201);
    const { agent, csrf } = await logIn('viewer');
    expect((await agent.get('/profiles/kept').expect(200)).text).not.toContain('/profiles/kept/delete');
    await agent.post('/profiles/kept/delete').type('form').set('Accept', 'text/html').send({ _csrf: csrf, force: '1' }).expect(403);
    await admin(request(srv.url).get('/api/v1/profiles/kept')).expect(200);
  });
});

describe('rules page', () => {
  it('When a rule is previewed from the form, then matching hosts and hostnames show and nothing is saved; saving then works', async () => {
    await request(srv.url)
      .post('/api/v1/profiles')
      .set('Authorization', `Bearer ${srv.adminToken}`)
      .send({ name: 'bounce', action: 'reboot' })
      .expect(201);
    const facts = sampleFacts();
    const { body } = await request(srv.url).post('/api/v1/discovery').send(facts).expect(201);
    const { agent, csrf } = await logIn('operator');
    const form = {
      _csrf: csrf,
      name: 'big',
      expression: 'memory_mib >= 65536',
      profile: 'bounce',
      hostname_pattern: 'big-{{ seq(2) }}',
      priority: '10',
      limit: '0',
      enabled: '1',
    };
    const preview = await agent
      .post('/rules')
      .type('form')
      .send({ ...form, intent: 'preview' });
    expect(preview.status).toBe(200);
    expect(preview.text).toContain(`<a href="/hosts/${body.id}">${body.id}</a>`);
    expect(preview.text).toContain('big-01');
    expect((await request(srv.url).get('/api/v1/rules').set('Authorization', `Bearer ${srv.adminToken}`)).body.rules).toEqual([]);
    await agent
      .post('/rules')
      .type('form')
      .send({ ...form, intent: 'save' })
      .expect(303);
    expect((await request(srv.url).get('/api/v1/rules/big').set('Authorization', `Bearer ${srv.adminToken}`)).body).toMatchObject({
      priority: 10,
      enabled: true,
    });
  });

  it('When the expression does not parse, then the page shows the line and column next to it', async () => {
    const { agent, csrf } = await logIn('operator');
    const res = await agent
      .post('/rules')
      .type('form')
      .send({ _csrf: csrf, name: 'bad', expression: 'memory_mib > 1 and\n(cpu.cores', profile: 'bounce', intent: 'save' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="error-expression">expression line 2, column \d+/);
    expect(res.text).toContain('(cpu.cores</textarea>');
  });

  it('When an operator deletes a rule from its page, then it is gone; a viewer sees no button and is refused', async () => {
    await admin(request(srv.url).post('/api/v1/profiles')).send({ name: 'rule-target', action: 'reboot' }).expect(201);
    for (const name of ['old-rule', 'kept-rule'])
      await admin(request(srv.url).post('/api/v1/rules')).send({ name, expression: 'memory_mib > 1', profile: 'rule-target' }).expect(201);
    const viewer = await logIn('viewer');
    expect((await viewer.agent.get('/rules/kept-rule').expect(200)).text).not.toContain('/delete"');
    await viewer.agent.post('/rules/kept-rule/delete').type('form').set('Accept', 'text/html').send({ _csrf: viewer.csrf }).expect(403);
    const { agent, csrf } = await logIn('operator');
    expect((await agent.get('/rules/old-rule').expect(200)).text).toContain('action="/rules/old-rule/delete"');
    const res = await agent.post('/rules/old-rule/delete').type('form').send({ _csrf: csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/rules');
    await admin(request(srv.url).get('/api/v1/rules/old-rule')).expect(404);
    await admin(request(srv.url).get('/api/v1/rules/kept-rule')).expect(200);
    expect((await admin(request(srv.url).get('/api/v1/audit'))).body.entries[0]).toMatchObject({
      actor: 'operator',
      action: 'rule.delete',
      target: 'old-rule',
    });
  });
});

describe('auto-provision switch', () => {
  it('When an operator turns auto-provisioning on and off on the rules page, then the setting follows and the audit names the operator; a viewer cannot', async () => {
    const settings = async () => (await admin(request(srv.url).get('/api/v1/settings'))).body;
    expect(await settings()).toMatchObject({ auto_provision: false });
    const viewer = await logIn('viewer');
    const seen = (await viewer.agent.get('/rules').expect(200)).text;
    expect(seen).toContain('Auto-provisioning on discovery is <strong>off</strong>');
    expect(seen).not.toContain('id="toggle-auto-provision"');
    await viewer.agent
      .post('/settings')
      .type('form')
      .set('Accept', 'text/html')
      .send({ _csrf: viewer.csrf, auto_provision: 'on' })
      .expect(403);
    expect(await settings()).toMatchObject({ auto_provision: false });

    const { agent, csrf } = await logIn('operator');
    expect((await agent.get('/rules')).text).toMatch(
      /name="auto_provision" value="on">\s*<button type="submit" id="toggle-auto-provision">Turn on</,
    );
    const on = await agent.post('/settings').type('form').send({ _csrf: csrf, auto_provision: 'on' });
    expect(on.status).toBe(303);
    expect(on.headers.location).toBe('/rules');
    expect(await settings()).toMatchObject({ auto_provision: true });
    const page = (await agent.get('/rules')).text;
    expect(page).toContain('Auto-provisioning on discovery is <strong>on</strong>');
    expect(page).toMatch(/name="auto_provision" value="off">\s*<button type="submit" id="toggle-auto-provision">Turn off</);
    expect((await admin(request(srv.url).get('/api/v1/audit'))).body.entries[0]).toMatchObject({
      actor: 'operator',
      action: 'settings.change',
      target: 'settings',
    });
    await agent.post('/settings').type('form').send({ _csrf: csrf, auto_provision: 'off' }).expect(303);
    expect(await settings()).toMatchObject({ auto_provision: false });
  });
});
