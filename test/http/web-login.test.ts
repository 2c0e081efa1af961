// The web forms' door: login with CSRF and rate limit, session cookie flags, logout; the host page's
// timeline and facts tree; and facts shown as inert text wherever a page shows them.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const PASSWORD = 'web-operator-password';
const admin = (r: request.Test) => r.set('Authorization', `Bearer ${srv.adminToken}`);
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
/** What autoescape makes of a string (nunjucks escapes & " ' < >). */
const escaped = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Markup, an attribute break-out and template syntax in one string; `tag` tells the fields apart. */
const hostile = (tag: string) => `${tag}<script>alert('${tag}')</script>"><img src=x onerror=alert('${tag}')>{{ 7*7 }}`;

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
  await request(srv.url)
    .post('/api/v1/users')
    .set('Authorization', `Bearer ${srv.adminToken}`)
    .send({ name: 'webop', role: 'operator', password: PASSWORD })
    .expect(201);
  await request(srv.url)
    .post('/api/v1/users')
    .set('Authorization', `Bearer ${srv.adminToken}`)
    .send({ name: 'victim', role: 'viewer', password: PASSWORD })
    .expect(201);
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
    // Plain HTTP and no https public URL: a Secure cookie would never come back.
    expect(setCookie).not.toMatch(/Secure/);
    const page = await agent.get('/hosts').expect(200);
    expect(page.text).toContain('webop (operator)');
  });

  it('When the public URL is https (TLS ends at a proxy), then the login and session cookies are Secure though the socket is plain HTTP', async () => {
    const behindProxy = await startTestServer({
      templatesDir: path.resolve('test/fixtures/kickstarts'),
      publicUrl: 'https://kickstand.example.com',
    });
    try {
      await request(behindProxy.url)
        .post('/api/v1/users')
        .set('Authorization', `Bearer ${behindProxy.adminToken}`)
        .send({ name: 'webop', role: 'operator', password: PASSWORD })
        .expect(201);
      const form = await request(behindProxy.url).get('/login').expect(200);
      const loginCookie = ([] as string[]).concat(form.headers['set-cookie'] ?? []).find((c) => c.startsWith('ks_login='))!;
      expect(loginCookie).toMatch(/; Secure/);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
      // The test client talks plain HTTP, so it would not send a Secure cookie back by itself.
      const res = await request(behindProxy.url)
        .post('/login')
        .set('Cookie', loginCookie.split(';')[0]!)
        .type('form')
        .send({ _csrf: csrf, name: 'webop', password: PASSWORD, next: '/hosts' });
      expect(res.status).toBe(303);
      const sessionCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('ks_session='));
      expect(sessionCookie).toMatch(/; Secure/);
      expect(sessionCookie).toMatch(/HttpOnly/);
    } finally {
      await behindProxy.stop();
    }
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

  it('When a hostname, a disk model and a NIC driver carry markup and template syntax, then the hosts page, the host page and a rule preview show them as escaped text, never evaluated', async () => {
    const facts = sampleFacts({ hostname: hostile('hostname') });
    (facts.dmi as Record<string, string>).vendor = hostile('vendor');
    (facts.dmi as Record<string, string>).serial = 'HOSTILE-0001';
    facts.cpu.model = hostile('cpu');
    facts.disks[0]!.model = hostile('disk');
    (facts.nics[0] as Record<string, unknown>).driver = hostile('nic');
    const { body } = await request(srv.url).post('/api/v1/discovery').send(facts).expect(201);
    const { agent } = await logIn();
    const inert = (html: string, tags: string[]) => {
      expect(html).not.toMatch(/<script>alert|<img src=x/);
      // Whole and untouched: `{{ 7*7 }}` is still there (no 49), escaped like the rest.
      for (const tag of tags) expect(html).toContain(escaped(hostile(tag)));
    };

    const list = await agent.get(`/hosts?q=${encodeURIComponent(hostile('search'))}`).expect(200);
    inert(list.text, ['search']);
    inert((await agent.get('/hosts').expect(200)).text, ['vendor', 'cpu']);

    const hostPage = await agent.get(`/hosts/${body.id}`).expect(200);
    inert(hostPage.text, ['hostname', 'vendor', 'cpu', 'disk', 'nic']);
    const tree = hostPage.text.slice(hostPage.text.indexOf('id="facts-tree"'));
    for (const tag of ['hostname', 'disk', 'nic']) expect(tree).toContain(escaped(hostile(tag)));

    await admin(request(srv.url).post('/api/v1/profiles')).send({ name: 'hostile-reboot', action: 'reboot' }).expect(201);
    const csrf = csrfOf(hostPage.text);
    const preview = await agent.post('/rules').type('form').send({
      _csrf: csrf,
      name: 'by-name',
      expression: 'dmi.serial == "HOSTILE-0001"',
      profile: 'hostile-reboot',
      hostname_pattern: '{{ facts.hostname }}',
      priority: '100',
      limit: '0',
      intent: 'preview',
    });
    expect(preview.status).toBe(200);
    const section = preview.text.slice(preview.text.indexOf('id="preview"'));
    expect(section).toContain(`<a href="/hosts/${body.id}">`);
    inert(section, ['hostname']);
  });

  it('When a NIC name carries markup, then the machine is refused at the door and nothing is stored', async () => {
    const before = (await admin(request(srv.url).get('/api/v1/hosts'))).body.hosts.length;
    const facts = sampleFacts();
    (facts.nics[1] as Record<string, unknown>).name = hostile('nic');
    const res = await request(srv.url).post('/api/v1/discovery').send(facts);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('nics[1].name has an invalid format');
    expect((await admin(request(srv.url).get('/api/v1/hosts'))).body.hosts.length).toBe(before);
  });

  it('When the hosts page is filtered by text, then only matching hosts are listed', async () => {
    const facts = sampleFacts();
    await request(srv.url).post('/api/v1/discovery').send(facts).expect(201);
    const { agent } = await logIn();
    const page = await agent.get(`/hosts?q=${encodeURIComponent(facts.boot_mac)}`).expect(200);
    expect(page.text).toContain(facts.boot_mac);
    const count = /<small id="hosts-count">(.*?)<\/small>/.exec(page.text)?.[1]?.replace(/<[^>]+>/g, '');
    expect(count).toBe('1 matching · 1–1 shown');
  });
});

describe('static files', () => {
  it('When a static file is asked for, then only the known ones exist', async () => {
    await request(srv.url).get('/static/kickstand.css').expect(200).expect('content-type', /css/);
    await request(srv.url)
      .get('/static/hosts.js')
      .expect(200)
      .expect('content-type', /javascript/);
    for (const name of ['constructor', '__proto__', '..%2Fpackage.json', 'nope.js'])
      await request(srv.url).get(`/static/${name}`).expect(404);
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

  it('When no discovery image is built, then the page says how to build one and still gives its entries; once built, its sizes', async () => {
    const { agent } = await logIn();
    const before = await agent.get('/boot').expect(200);
    expect(before.text).toMatch(/id="image-state">Not built yet: run <code>kickstand discovery-image build/);
    for (const id of ['image-ipxe', 'image-grub', 'image-uefi-http']) expect(before.text).toContain(`id="${id}"`);
    expect(before.text).toContain(`kernel ${srv.url}/discovery/vmlinuz initrd=initrd.img ip=dhcp rd.neednet=1 kickstand.url=${srv.url}`);
    const dir = path.join(srv.dataDir, 'discovery');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'vmlinuz'), Buffer.alloc(3 * 1048576));
    await writeFile(path.join(dir, 'initrd.img'), Buffer.alloc(1048576 / 2));
    try {
      const after = await agent.get('/boot').expect(200);
      expect(after.text).toContain('Built: <code>vmlinuz</code> 3.0 MiB, <code>initrd.img</code> 0.5 MiB');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('bulk actions', () => {
  it('When hosts are selected, then a profile is assigned to each, one failure does not stop the others, and delete works', async () => {
    await request(srv.url)
      .post('/api/v1/profiles')
      .set('Authorization', `Bearer ${srv.adminToken}`)
      .send({ name: 'bulk-deb', action: 'kexec', kernel: 'http://127.0.0.1/k', initrd: 'http://127.0.0.1/i' })
      .expect(201);
    const withKexec = (await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201)).body.id as string;
    const without = (
      await request(srv.url)
        .post('/api/v1/discovery')
        .send(sampleFacts({ kexec: { available: false } }))
        .expect(201)
    ).body.id as string;
    const { agent } = await logIn();
    const page = await agent.get('/hosts').expect(200);
    expect(page.text).toContain(`name="ids" value="${withKexec}"`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const res = await agent
      .post('/hosts/bulk')
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf!)}&bulk_action=assign&profile=bulk-deb&ids=${withKexec}&ids=${without}`);
    // Post/redirect/get: back to the list, which shows what happened to each host.
    expect(res.status).toBe(303);
    const results = await agent.get(res.headers.location!).expect(200);
    expect(results.text).toContain(`${withKexec}</a>: assigned`);
    expect(results.text).toMatch(new RegExp(`${without}</a>: failed — host ${without} reported no kexec`));
    const gone = await agent
      .post('/hosts/bulk')
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf!)}&bulk_action=delete&confirm=yes&ids=${without}`)
      .expect(303);
    expect((await agent.get(gone.headers.location!)).text).toContain(`${without}</a>: deleted`);
    await request(srv.url).get(`/api/v1/hosts/${without}`).set('Authorization', `Bearer ${srv.adminToken}`).expect(404);
  });
});

describe('host page and assign form', () => {
  it('When an operator opens a host, then facts, NICs and the timeline show, and the form assigns a profile', async () => {
    await request(srv.url)
      .post('/api/v1/profiles')
      .set('Authorization', `Bearer ${srv.adminToken}`)
      .send({ name: 'web-reboot', action: 'reboot' })
      .expect(201);
    const facts = sampleFacts();
    const { body } = await request(srv.url).post('/api/v1/discovery').send(facts).expect(201);
    const { agent } = await logIn();
    const page = await agent.get(`/hosts/${body.id}`).expect(200);
    expect(page.text).toContain(facts.boot_mac);
    expect(page.text).toContain('eno1 (boot)');
    expect(page.text).toContain('discovered</strong> by machine');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const res = await agent
      .post(`/hosts/${body.id}/assign`)
      .type('form')
      .send({ _csrf: csrf, profile: 'web-reboot', hostname: `w-${body.id}.example.com`, params: '' });
    expect(res.status).toBe(303);
    const host = (await request(srv.url).get(`/api/v1/hosts/${body.id}`).set('Authorization', `Bearer ${srv.adminToken}`)).body;
    expect(host).toMatchObject({ state: 'assigned', hostname: `w-${body.id}.example.com` });
    expect(host.events.at(-1)).toMatchObject({ type: 'assigned', actor: 'webop' });
  });

  it('When a machine registers twice, an operator assigns it and it fetches its answer, then the timeline shows the refresh, who assigned it and the address the answer went to, newest first', async () => {
    await admin(request(srv.url).post('/api/v1/profiles')).send({ name: 'timeline-reboot', action: 'reboot' }).expect(201);
    const facts = sampleFacts();
    const first = (await request(srv.url).post('/api/v1/discovery').send(facts).expect(201)).body;
    const again = (await request(srv.url).post('/api/v1/discovery').send(facts).expect(200)).body;
    expect(again.id).toBe(first.id);
    const { agent } = await logIn();
    const csrf = csrfOf((await agent.get(`/hosts/${first.id}`)).text);
    await agent
      .post(`/hosts/${first.id}/assign`)
      .type('form')
      .send({ _csrf: csrf, profile: 'timeline-reboot', hostname: '', params: '' })
      .expect(303);
    await request(srv.url).get(`/api/v1/discovery/${first.id}/next`).set('Authorization', `Bearer ${again.token}`).expect(200);

    const page = (await agent.get(`/hosts/${first.id}`).expect(200)).text;
    const timeline = /<ol class="timeline">([\s\S]*?)<\/ol>/.exec(page)![1]!;
    const events = [...timeline.matchAll(/<\/time> (.*)<\/li>/g)].map((m) => m[1]);
    expect(events).toEqual([
      expect.stringMatching(/^<strong>delivered<\/strong> by machine from 127\.0\.0\.1 — reboot answer delivered to 127\.0\.0\.1/),
      expect.stringMatching(/^<strong>assigned<\/strong> by webop from 127\.0\.0\.1 — /),
      '<strong>rediscovered</strong> by machine from 127.0.0.1 — facts refreshed (state discovered)',
      '<strong>discovered</strong> by machine from 127.0.0.1 — discovered',
    ]);
  });

  it('When a host page is opened, then every fact is in the tree — nested objects as branches, NICs and disks as tables, site-specific facts too', async () => {
    const facts = sampleFacts({ extra: { rack_position: '<b>R12</b> & {{ 7*7 }}', cabled: true } });
    const { body } = await request(srv.url).post('/api/v1/discovery').send(facts).expect(201);
    const { agent } = await logIn();
    const page = (await agent.get(`/hosts/${body.id}`).expect(200)).text;
    const tree = page.slice(
      page.indexOf('<section class="card" id="facts-tree">'),
      page.indexOf('</section>', page.indexOf('id="facts-tree"')),
    );
    expect(tree).toContain('<summary><span class="fact-key">extra</span></summary>');
    expect(tree).toContain(
      '<span class="fact-key">rack_position</span> <span class="fact-value">&lt;b&gt;R12&lt;/b&gt; &amp; {{ 7*7 }}</span>',
    );
    expect(tree).toContain('<span class="fact-key">cabled</span> <span class="fact-value">true</span>');
    // Facts the fixed summary never showed: CPU flags, the kexec path, a NIC's carrier.
    expect(tree).toContain('<span class="fact-key">flags</span> <span class="fact-value">vmx, avx2</span>');
    expect(tree).toContain('<span class="fact-key">path</span> <span class="fact-value">/usr/sbin/kexec</span>');
    expect(tree).toMatch(
      /<summary><span class="fact-key">nics<\/span> <small>\(2\)<\/small><\/summary><table class="facts-rows"><thead><tr><th>name<\/th><th>mac<\/th><th>state<\/th><th>carrier<\/th>/,
    );
    expect(tree).toContain(`<tr><td>eno1</td><td>${facts.boot_mac}</td><td>up</td><td>true</td>`);
    expect(tree).toMatch(/<summary><span class="fact-key">disks<\/span> <small>\(1\)<\/small><\/summary><table class="facts-rows">/);
    expect(tree).toContain('<td>SAMSUNG MZQL2960HCJR</td>');
  });

  it('When the form has an error, then the page comes back with the message next to the field and what was typed', async () => {
    const { body } = await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201);
    const { agent } = await logIn();
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await agent.get(`/hosts/${body.id}`)).text)![1];
    const badJson = await agent
      .post(`/hosts/${body.id}/assign`)
      .type('form')
      .send({ _csrf: csrf, profile: 'web-reboot', hostname: 'typed.example.com', params: '{"repo": ' });
    expect(badJson.status).toBe(400);
    expect(badJson.text).toMatch(/id="error-params">not valid JSON/);
    expect(badJson.text).toContain('value="typed.example.com"');
    expect(badJson.text).toContain('{&quot;repo&quot;: </textarea>');
    const badProfile = await agent
      .post(`/hosts/${body.id}/assign`)
      .type('form')
      .send({ _csrf: csrf, profile: 'nope', hostname: '', params: '' });
    expect(badProfile.status).toBe(400);
    expect(badProfile.text).toMatch(/id="error-profile">profile &quot;nope&quot; does not exist/);
    const badName = await agent
      .post(`/hosts/${body.id}/assign`)
      .type('form')
      .send({ _csrf: csrf, profile: 'web-reboot', hostname: 'bad_name!', params: '' });
    expect(badName.text).toMatch(/id="error-hostname">hostname has an invalid format/);
  });

  it('When a template is chosen instead of a profile, then the host gets that kickstart with the typed params; both at once is refused', async () => {
    const { body } = await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201);
    const { agent } = await logIn();
    const page = (await agent.get(`/hosts/${body.id}`)).text;
    expect(page).toContain('<option>plain.ks.njk</option>');
    expect(page).toContain('Profile defaults');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1];
    const both = await agent
      .post(`/hosts/${body.id}/assign`)
      .type('form')
      .send({ _csrf: csrf, profile: 'web-reboot', template: 'plain.ks.njk', hostname: '', params: '' });
    expect(both.status).toBe(400);
    expect(both.text).toMatch(/id="error-template">choose a profile or a template, not both/);
    const res = await agent
      .post(`/hosts/${body.id}/assign`)
      .type('form')
      .send({ _csrf: csrf, profile: '', template: 'needs-param.ks.njk', hostname: `t-${body.id}.example.com`, params: '{"x": 1}' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="error-template">params\.repo is undefined at needs-param\.ks\.njk:\d+</);
    const ok = await agent
      .post(`/hosts/${body.id}/assign`)
      .type('form')
      .send({ _csrf: csrf, profile: '', template: 'plain.ks.njk', hostname: `t-${body.id}.example.com`, params: '' });
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
