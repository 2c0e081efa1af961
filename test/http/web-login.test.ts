// The web forms' door: login with CSRF and rate limit, session cookie flags, logout, and facts shown
// as inert text.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const PASSWORD = 'web-operator-password';

async function loginForm(agent: ReturnType<typeof request.agent>) {
  const res = await agent.get('/login').expect(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1];
  expect(csrf).toBeTruthy();
  return csrf!;
}

async function logIn(name = 'webop', password = PASSWORD, next = '/hosts') {
  const agent = request.agent(srv.url);
  const csrf = await loginForm(agent);
  const res = await agent.post('/login').type('form').send({ _csrf: csrf, name, password, next });
  return { agent, res };
}

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  await request(srv.url).post('/api/v1/users').set('Authorization', `Bearer ${srv.adminToken}`).send({ name: 'webop', role: 'operator', password: PASSWORD }).expect(201);
  await request(srv.url).post('/api/v1/users').set('Authorization', `Bearer ${srv.adminToken}`).send({ name: 'victim', role: 'viewer', password: PASSWORD }).expect(201);
});
afterAll(async () => srv.stop());

describe('web login', () => {
  it('When a page is opened without a session, then it redirects to the login form with where to go back', async () => {
    const res = await request(srv.url).get('/hosts?state=discovered');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fhosts%3Fstate%3Ddiscovered');
  });

  it('When the right password is given, then an HttpOnly SameSite=Lax session cookie is set and the page opens', async () => {
    const { agent, res } = await logIn();
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/hosts');
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('ks_session='));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    const page = await agent.get('/hosts').expect(200);
    expect(page.text).toContain('webop (operator)');
  });

  it('When the login form has no or a wrong CSRF token, then it is refused', async () => {
    const agent = request.agent(srv.url);
    await loginForm(agent);
    const res = await agent.post('/login').type('form').send({ _csrf: 'forged', name: 'webop', password: PASSWORD });
    expect(res.status).toBe(403);
    expect(res.headers['set-cookie']?.toString() ?? '').not.toContain('ks_session=');
  });

  it('When next points off-site, then login still lands on a local page', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const { res } = await logIn('webop', PASSWORD, next);
      expect(res.headers.location).toBe('/hosts');
    }
  });

  it('When logging out, then the form needs the CSRF token and afterwards the session is dead', async () => {
    const { agent } = await logIn();
    await agent.post('/logout').type('form').send({}).expect(403);
    const page = await agent.get('/hosts').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    await agent.post('/logout').type('form').send({ _csrf: csrf }).expect(303);
    expect((await agent.get('/hosts')).status).toBe(303);
  });
});

describe('hostile facts on pages', () => {
  it('When a machine reports HTML and template syntax, then the hosts page shows it as inert text', async () => {
    const facts = sampleFacts();
    (facts.dmi as Record<string, string>).vendor = '<script>alert(1)</script>';
    (facts.dmi as Record<string, string>).product = '"><img src=x onerror=alert(2)> {{ 7*7 }}';
    await request(srv.url).post('/api/v1/discovery').send(facts).expect(201);
    const { agent } = await logIn();
    const page = await agent.get('/hosts').expect(200);
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // The product appears whole, escaped, with the template syntax untouched (never evaluated to 49).
    expect(page.text).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt; {{ 7*7 }}');
  });

  it('When the hosts page is filtered by text, then only matching hosts are listed', async () => {
    const facts = sampleFacts();
    await request(srv.url).post('/api/v1/discovery').send(facts).expect(201);
    const { agent } = await logIn();
    const page = await agent.get(`/hosts?q=${encodeURIComponent(facts.boot_mac)}`).expect(200);
    expect(page.text).toContain(facts.boot_mac);
    expect(page.text).toMatch(/1 shown of \d+/);
  });
});

describe('static files', () => {
  it('When a static file is asked for, then only the known ones exist', async () => {
    await request(srv.url).get('/static/kickstand.css').expect(200).expect('content-type', /css/);
    await request(srv.url).get('/static/hosts.js').expect(200).expect('content-type', /javascript/);
    for (const name of ['constructor', '__proto__', '..%2Fpackage.json', 'nope.js']) await request(srv.url).get(`/static/${name}`).expect(404);
  });
});

describe('boot page', () => {
  it('When the boot page is opened, then it shows every entry for this server, and a bad tree URL is refused next to the field', async () => {
    const { agent } = await logIn();
    const page = await agent.get('/boot?repo=http%3A%2F%2Fmirror.example.com%2Frhel9').expect(200);
    expect(page.text).toContain(`inst.ks=${srv.url}/ks inst.ks.sendmac inst.ks.sendsn`);
    for (const id of ['boot-cmdline', 'boot-pxelinux', 'boot-grub', 'boot-ipxe', 'boot-dvd']) expect(page.text).toContain(`id="${id}"`);
    expect(page.text).toContain('IPAPPEND 2');
    const bad = await agent.get('/boot?repo=http%3A%2F%2Fx%2F%22%3E%3Cscript%3E');
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="error-repo">repo must be an http\(s\) URL/);
    expect(bad.text).not.toContain('"><script>');
  });
});

describe('bulk actions', () => {
  it('When hosts are selected, then a profile is assigned to each, one failure does not stop the others, and delete works', async () => {
    await request(srv.url).post('/api/v1/profiles').set('Authorization', `Bearer ${srv.adminToken}`).send({ name: 'bulk-deb', action: 'kexec', kernel: 'http://127.0.0.1/k', initrd: 'http://127.0.0.1/i' }).expect(201);
    const withKexec = (await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201)).body.id as string;
    const without = (await request(srv.url).post('/api/v1/discovery').send(sampleFacts({ kexec: { available: false } })).expect(201)).body.id as string;
    const { agent } = await logIn();
    const page = await agent.get('/hosts').expect(200);
    expect(page.text).toContain(`name="ids" value="${withKexec}"`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const res = await agent.post('/hosts/bulk').type('form').send(`_csrf=${encodeURIComponent(csrf!)}&bulk_action=assign&profile=bulk-deb&ids=${withKexec}&ids=${without}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`${withKexec}</a>: assigned`);
    expect(res.text).toMatch(new RegExp(`${without}</a>: failed — host ${without} reported no kexec`));
    const gone = await agent.post('/hosts/bulk').type('form').send(`_csrf=${encodeURIComponent(csrf!)}&bulk_action=delete&ids=${without}`);
    expect(gone.text).toContain(`${without}</a>: deleted`);
    await request(srv.url).get(`/api/v1/hosts/${without}`).set('Authorization', `Bearer ${srv.adminToken}`).expect(404);
  });
});

describe('host page and assign form', () => {
  it('When an operator opens a host, then facts, NICs and the timeline show, and the form assigns a profile', async () => {
    await request(srv.url).post('/api/v1/profiles').set('Authorization', `Bearer ${srv.adminToken}`).send({ name: 'web-reboot', action: 'reboot' }).expect(201);
    const facts = sampleFacts();
    const { body } = await request(srv.url).post('/api/v1/discovery').send(facts).expect(201);
    const { agent } = await logIn();
    const page = await agent.get(`/hosts/${body.id}`).expect(200);
    expect(page.text).toContain(facts.boot_mac);
    expect(page.text).toContain('eno1 (boot)');
    expect(page.text).toContain('discovered</strong> by machine');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const res = await agent.post(`/hosts/${body.id}/assign`).type('form').send({ _csrf: csrf, profile: 'web-reboot', hostname: `w-${body.id}.example.com`, params: '' });
    expect(res.status).toBe(303);
    const host = (await request(srv.url).get(`/api/v1/hosts/${body.id}`).set('Authorization', `Bearer ${srv.adminToken}`)).body;
    expect(host).toMatchObject({ state: 'assigned', hostname: `w-${body.id}.example.com` });
    expect(host.events.at(-1)).toMatchObject({ type: 'assigned', actor: 'webop' });
  });

  it('When the form has an error, then the page comes back with the message next to the field and what was typed', async () => {
    const { body } = await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201);
    const { agent } = await logIn();
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await agent.get(`/hosts/${body.id}`)).text)![1];
    const badJson = await agent.post(`/hosts/${body.id}/assign`).type('form').send({ _csrf: csrf, profile: 'web-reboot', hostname: 'typed.example.com', params: '{"repo": ' });
    expect(badJson.status).toBe(400);
    expect(badJson.text).toMatch(/id="error-params">not valid JSON/);
    expect(badJson.text).toContain('value="typed.example.com"');
    expect(badJson.text).toContain('{&quot;repo&quot;: </textarea>');
    const badProfile = await agent.post(`/hosts/${body.id}/assign`).type('form').send({ _csrf: csrf, profile: 'nope', hostname: '', params: '' });
    expect(badProfile.status).toBe(400);
    expect(badProfile.text).toMatch(/id="error-profile">profile &quot;nope&quot; does not exist/);
    const badName = await agent.post(`/hosts/${body.id}/assign`).type('form').send({ _csrf: csrf, profile: 'web-reboot', hostname: 'bad_name!', params: '' });
    expect(badName.text).toMatch(/id="error-hostname">hostname has an invalid format/);
  });

  it('When a template is chosen instead of a profile, then the host gets that kickstart with the typed params; both at once is refused', async () => {
    const { body } = await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201);
    const { agent } = await logIn();
    const page = (await agent.get(`/hosts/${body.id}`)).text;
    expect(page).toContain('<option>plain.ks.njk</option>');
    expect(page).toContain('Profile defaults');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1];
    const both = await agent.post(`/hosts/${body.id}/assign`).type('form').send({ _csrf: csrf, profile: 'web-reboot', template: 'plain.ks.njk', hostname: '', params: '' });
    expect(both.status).toBe(400);
    expect(both.text).toMatch(/id="error-template">choose a profile or a template, not both/);
    const res = await agent.post(`/hosts/${body.id}/assign`).type('form').send({ _csrf: csrf, profile: '', template: 'needs-param.ks.njk', hostname: `t-${body.id}.example.com`, params: '{"x": 1}' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="error-template">needs-param\.ks\.njk line \d+/);
    const ok = await agent.post(`/hosts/${body.id}/assign`).type('form').send({ _csrf: csrf, profile: '', template: 'plain.ks.njk', hostname: `t-${body.id}.example.com`, params: '' });
    expect(ok.status).toBe(303);
    const host = (await request(srv.url).get(`/api/v1/hosts/${body.id}`).set('Authorization', `Bearer ${srv.adminToken}`)).body;
    expect(host.assignment).toMatchObject({ action: 'kickstart', template: 'plain.ks.njk' });
  });

  it('When the assign form is posted without its CSRF token, then it is refused and nothing changes', async () => {
    const { body } = await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201);
    const { agent } = await logIn();
    const res = await agent.post(`/hosts/${body.id}/assign`).type('form').set('Accept', 'text/html').send({ profile: 'web-reboot' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('CSRF');
    const host = (await request(srv.url).get(`/api/v1/hosts/${body.id}`).set('Authorization', `Bearer ${srv.adminToken}`)).body;
    expect(host.state).toBe('discovered');
  });
});

// Last: it locks 127.0.0.1 out of logging in for the rest of this file.
describe('login rate limit', () => {
  it('When a password is wrong five times, then the sixth attempt is refused with 429 even with the right password', async () => {
    for (let i = 0; i < 5; i++) expect((await logIn('victim', 'wrong-password-x')).res.status).toBe(401);
    const { res } = await logIn('victim', PASSWORD);
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});
