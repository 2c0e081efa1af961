// No secret in any log line. One whole flow with logging at debug — machines registering, polling,
// being assigned with a root password and secret params (directly, and through a profile and a rule;
// stored hashed and sealed), receiving their kickstart and calling back;
// people logging in (and failing to), creating users and API tokens, using them; the admin token; an
// internal error in the middle of it all — then every log line is searched for every secret the flow
// handled. The CLI's user commands print what they must show once and nothing else.
import { execFile } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/hosts/tokens.js';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, registerMachine, webLogin } from '../support/sessions.js';
import { tempDir } from '../support/temp.js';

// Each template param a test hands over is a secret the kickstart needs and no log may show.
const SECRET_TEMPLATE = `# secrets fixture for {{ host.id }}
rootpw --iscrypted {{ params.root_password | pwhash | ksarg }}
%post
echo {{ params.api_key | shellquote }} > /root/api-key
%end
`;

let srv: TestServer;
/** name → value of every secret the flow handled. */
const secrets = new Map<string, string>();
const keep = (name: string, value: string | undefined) => {
  if (!value) throw new Error(`secret ${name} is empty`);
  secrets.set(name, value);
  return value;
};
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The secret, and the forms it would take in a URL or a JSON string. */
function forms(value: string): string[] {
  return [...new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)])];
}

beforeAll(async () => {
  const templates = await tempDir('kickstand-secrets-tpl-');
  await cp(path.resolve('test/fixtures/kickstarts'), templates, { recursive: true });
  await writeFile(path.join(templates, 'secrets.ks.njk'), SECRET_TEMPLATE);
  srv = await startTestServer({ templatesDir: templates, logLevel: 'debug' });
  keep('admin token', srv.adminToken);
  keep('generated admin password', srv.running.adminPasswordGenerated);
});
afterAll(async () => srv.stop());

describe('log hygiene', () => {
  it('When a whole flow runs at debug level, then no log line holds a token, session, CSRF token, password, hash or secret param', async () => {
    // People: users with given and generated passwords, personal API tokens, a password reset.
    await createUser(srv, 'carol', 'operator', keep('carol password', 'carol-Secret-pass-1'));
    const dave = await request(srv.url).post('/api/v1/users').set(admin()).send({ name: 'dave', role: 'viewer' }).expect(201);
    keep('dave generated password', dave.body.password);
    await request(srv.url)
      .post('/api/v1/users/dave/password')
      .set(admin())
      .send({ password: keep('dave new password', 'dave-Other-pass-2') })
      .expect(200);
    const reset = await request(srv.url).post('/api/v1/users/dave/password').set(admin()).send({}).expect(200);
    keep('dave reset password', reset.body.password);
    const carolToken = keep(
      'carol API token',
      (await request(srv.url).post('/api/v1/users/carol/tokens').set(admin()).send({ name: 'ci' }).expect(201)).body.token,
    );
    await request(srv.url).get('/api/v1/hosts').set(bearer(carolToken)).expect(200);
    const mine = await request(srv.url).post('/api/v1/me/tokens').set(bearer(carolToken)).send({ name: 'laptop' }).expect(201);
    keep('carol second token', mine.body.token);
    await request(srv.url).get('/api/v1/me').set(bearer(mine.body.token)).expect(200);
    await request(srv.url).delete(`/api/v1/me/tokens/${mine.body.id}`).set(bearer(carolToken)).expect(204);
    await request(srv.url).get('/api/v1/me').set(bearer(mine.body.token)).expect(401);
    // Wrong credentials are secrets too (a typo is often one character off the real password).
    await request(srv.url)
      .get('/api/v1/hosts')
      .set(bearer(keep('wrong admin token', `${srv.adminToken}x`)))
      .expect(401);

    // The web forms: a failed login, a good one, pages, a form post, a logout, the admin's own login.
    const form = await request(srv.url).get('/login').expect(200);
    const loginCookie = /ks_login=([^;]+)/.exec(String(form.headers['set-cookie']))![1]!;
    keep('login CSRF token', loginCookie);
    await request(srv.url)
      .post('/login')
      .set('Cookie', `ks_login=${loginCookie}`)
      .type('form')
      .send({ _csrf: loginCookie, name: 'carol', password: keep('mistyped password', 'carol-Secret-pass-!') })
      .expect(401);
    const web = await webLogin(srv, 'carol', 'carol-Secret-pass-1');
    keep('session id', web.session);
    keep('second login CSRF token', web.loginCsrf);
    keep('session CSRF token', web.csrf);
    const adminWeb = await webLogin(srv, 'admin', srv.running.adminPasswordGenerated!);
    keep('admin session id', adminWeb.session);
    keep('admin session CSRF token', adminWeb.csrf);

    // Machines: register, poll, an assignment with a root password and a secret param (through the
    // API and through the web form), the kickstart delivered, install callbacks, a re-registration.
    const a = await registerMachine(srv.url);
    const b = await registerMachine(srv.url);
    keep('host A token', a.token);
    keep('host B token', b.token);
    await request(srv.url).get(`/api/v1/discovery/${a.id}/next`).set(bearer(a.token)).expect(202);
    await request(srv.url).get(`/api/v1/discovery/${a.id}/next`).set(bearer(b.token)).expect(401);
    await request(srv.url).get(`/api/v1/discovery/${a.id}/next?token=${a.token}`).expect(401);
    const params = { root_password: keep('root password', 'root-Pa55word-xyz'), api_key: keep('secret param', 'api-key-0f1e2d3c4b5a') };
    await request(srv.url)
      .post(`/api/v1/hosts/${a.id}/assignment`)
      .set(bearer(carolToken))
      .send({ action: 'kickstart', template: 'secrets.ks.njk', params })
      .expect(200);
    await web.agent
      .post(`/hosts/${b.id}/assign`)
      .type('form')
      .send({
        _csrf: web.csrf,
        template: 'secrets.ks.njk',
        params: JSON.stringify({
          root_password: keep('root password (web)', 'web-Root-pass-987'),
          api_key: keep('secret param (web)', 'web-api-key-abcdef'),
        }),
      })
      .expect(303);
    const ks = await request(srv.url).get(`/api/v1/discovery/${a.id}/next`).set(bearer(a.token)).expect(200);
    keep('rendered root password hash', /^rootpw --iscrypted (\S+)$/m.exec(ks.text)![1]);
    const preview = await request(srv.url).get(`/api/v1/hosts/${a.id}/kickstart`).set(admin()).expect(200);
    keep('previewed root password hash', /^rootpw --iscrypted (\S+)$/m.exec(preview.text)![1]);
    const ksB = await request(srv.url).get(`/api/v1/discovery/${b.id}/next`).set(bearer(b.token)).expect(200);
    keep('rendered root password hash (web)', /^rootpw --iscrypted (\S+)$/m.exec(ksB.text)![1]);
    for (const stage of ['installing', 'installed']) {
      await request(srv.url)
        .post(`/api/v1/discovery/${a.id}/events`)
        .set(bearer(a.token))
        .send({ stage, event_id: `${stage}-1` })
        .expect(200);
    }
    await request(srv.url)
      .post(`/api/v1/discovery/${b.id}/events`)
      .set(bearer(b.token))
      .send({ stage: 'failed', message: 'disk gone', log: 'anaconda: no disk\n' })
      .expect(200);
    const again = await registerMachine(srv.url, sampleFacts());
    keep('host C token', again.token);

    // Admin changes that are audited (and logged): a profile with a secret param, an installer
    // whose mirror URL carries credentials.
    await request(srv.url)
      .post('/api/v1/profiles')
      .set(admin())
      .send({
        name: 'secret-profile',
        action: 'kickstart',
        template: 'secrets.ks.njk',
        params: {
          root_password: keep('profile root password', 'profile-Root-pass-55'),
          api_key: keep('profile secret param', 'profile-api-key-9a8b7c'),
        },
      })
      .expect(201);
    // A rule hands the profile's secrets to a host, which polls its kickstart (sealed values opened).
    await request(srv.url)
      .post('/api/v1/rules')
      .set(admin())
      .send({ name: 'secret-rule', expression: 'memory_mib > 1', profile: 'secret-profile' })
      .expect(201);
    expect((await request(srv.url).post(`/api/v1/hosts/${again.id}/auto-assign`).set(admin()).expect(200)).body.outcome).toBe('assigned');
    const ksC = await request(srv.url).get(`/api/v1/discovery/${again.id}/next`).set(bearer(again.token)).expect(200);
    expect(ksC.text).toContain('profile-api-key-9a8b7c');
    await request(srv.url)
      .post('/api/v1/installers')
      .set(admin())
      .send({
        name: 'rhel9',
        family: 'rhel',
        version: '9.4',
        repo: `https://mirror:${keep('mirror password', 'Mirror-pass-4242')}@mirror.example.com/rhel9/`,
      })
      .expect(201);

    // An internal error while credentials are in flight (API, web page, fast poll).
    const store = srv.running.deps.store.hosts as unknown as Record<string, unknown>;
    const saved = { list: store.list, get: store.get, peek: store.peek };
    const bug = () => {
      throw new Error('boom');
    };
    Object.assign(store, { list: bug, get: bug, peek: bug });
    try {
      await request(srv.url).get(`/api/v1/hosts?token=${srv.adminToken}`).set(admin()).expect(500);
      await web.agent.get('/hosts').set('Accept', 'text/html').expect(500);
      await request(srv.url).get(`/api/v1/discovery/${again.id}/next?token=${again.token}`).set(bearer(again.token)).expect(500);
    } finally {
      Object.assign(store, saved);
    }
    await web.agent.post('/logout').type('form').send({ _csrf: web.csrf }).expect(303);

    // Hashes at rest are secrets in a log too: the users' scrypt hashes and the hosts' token digests.
    const doc = JSON.parse(await readFile(path.join(srv.dataDir, 'kickstand.json'), 'utf-8')) as {
      users: Record<string, { password_hash: string; tokens: { hash: string }[] }>;
    };
    for (const [name, user] of Object.entries(doc.users)) {
      keep(`${name} password hash`, user.password_hash);
      for (const t of user.tokens) keep(`${name} token hash`, t.hash);
    }
    for (const [name, value] of [...secrets])
      if (name.endsWith(' token') && name.startsWith('host')) keep(`${name} digest`, hashToken(value));

    // Let the asynchronous pino destination drain.
    await new Promise((r) => setTimeout(r, 200));
    expect(srv.logs.length).toBeGreaterThan(50);
    expect(srv.logs.some((l) => l.msg === 'unexpected error')).toBe(true);
    expect(srv.logs.some((l) => l.msg === 'login failed')).toBe(true);
    const lines = srv.logs.map((l) => JSON.stringify(l));
    const leaks: string[] = [];
    for (const [name, value] of secrets) {
      for (const form of forms(value)) {
        const line = lines.find((l) => l.includes(form));
        if (line) leaks.push(`${name} in: ${line}`);
      }
    }
    for (const pattern of [
      /kickstand-sealed:/,
      /\$6\$/,
      /scrypt\$/,
      /Bearer /i,
      /ks_session=/,
      /ks_login=/,
      /"authorization"/i,
      /"cookie"/i,
    ]) {
      const line = lines.find((l) => pattern.test(l));
      if (line) leaks.push(`${pattern} in: ${line}`);
    }
    expect(leaks).toEqual([]);
    expect(secrets.size).toBeGreaterThan(25);
  });
});

describe('the user commands', () => {
  const run = promisify(execFile);
  const tsx = path.resolve('node_modules/.bin/tsx');

  it('When users are managed from the shell, then each command prints only the secret it exists to show, once', async () => {
    const data = await tempDir('kickstand-secrets-cli-');
    const base = { ...process.env, KICKSTAND_DATA: data, KICKSTAND_TEMPLATES: 'test/fixtures/kickstarts', KICKSTAND_LOG_LEVEL: 'debug' };
    const cli = async (args: string[], env: Record<string, string> = {}) => {
      const { stdout, stderr } = await run(tsx, ['src/main.ts', 'user', ...args], { env: { ...base, ...env }, timeout: 30_000 });
      return stdout + stderr;
    };
    const given = 'erin-Given-pass-123';
    const reset = 'erin-Reset-pass-456';
    const outputs: { out: string; shows?: string }[] = [];
    outputs.push({ out: await cli(['add', 'erin', '--role', 'operator'], { KICKSTAND_USER_PASSWORD: given }) });
    const frank = await cli(['add', 'frank', '--role', 'viewer'], { KICKSTAND_USER_PASSWORD: '' });
    const frankPassword = /password:\n {2}(\S+)/.exec(frank)![1]!;
    outputs.push({ out: frank, shows: frankPassword });
    outputs.push({ out: await cli(['reset', 'erin'], { KICKSTAND_USER_PASSWORD: reset }) });
    const token = await cli(['token', 'erin', '--name', 'ci']);
    const tokenValue = /\n {2}(ks_\S+)/.exec(token)![1]!;
    outputs.push({ out: token, shows: tokenValue });
    outputs.push({ out: await cli(['list']) });

    const doc = JSON.parse(await readFile(path.join(data, 'kickstand.json'), 'utf-8')) as {
      users: Record<string, { password_hash: string; tokens: { hash: string }[] }>;
    };
    const all = [
      given,
      reset,
      frankPassword,
      tokenValue,
      ...Object.values(doc.users).flatMap((u) => [u.password_hash, ...u.tokens.map((t) => t.hash)]),
    ];
    for (const { out, shows } of outputs) {
      for (const secret of all) expect(out.split(secret).length - 1, `${secret} in:\n${out}`).toBe(secret === shows ? 1 : 0);
      expect(out).not.toMatch(/scrypt\$|\$6\$/);
    }
  });
});
