// The BMC forms through the web: the host page's BMC panel (form for operators and admins, summary for
// the others), the credential sets page (admins change, operators read, authors and viewers get no
// page), the profile's and the default credential set. Every form needs the session's CSRF token; a bad
// submit shows the error next to its field, keeps what was typed (never the password) and loses nothing
// stored; a blank password keeps the stored one.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, registerMachine, webLogin } from '../support/sessions.js';
import { sampleFacts } from '../support/facts.js';

const HOST_PASSWORD = 'web-h0st-Pa55-quokka';
const SET_PASSWORD = 'web-set-Pa55-wombat';

let srv: TestServer;
let hostId: string;
type Login = Awaited<ReturnType<typeof webLogin>>;
const logins: Record<string, Login> = {};
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });
const storedBmc = async () => (await request(srv.url).get(`/api/v1/hosts/${hostId}/bmc`).set(admin())).body as Record<string, unknown>;
/** The host's sealed BMC password as the file store's journal last wrote it (no answer ever carries it). */
const sealedPassword = async (): Promise<string | undefined> => {
  const lines = (await readFile(path.join(srv.dataDir, 'hosts.jsonl'), 'utf8')).split('\n').filter((l) => l.startsWith('{"h":'));
  const mine = lines.map((l) => (JSON.parse(l) as { h: { id: string; bmc?: { password?: string } } }).h).filter((h) => h.id === hostId);
  return mine.at(-1)?.bmc?.password;
};

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts'), env: { KICKSTAND_BMC_NETWORKS: '10.0.0.0/8' } });
  for (const role of ['admin', 'operator', 'author', 'viewer']) {
    await createUser(srv, `web-${role}`, role, `${role}-password-123`);
    logins[role] = await webLogin(srv, `web-${role}`, `${role}-password-123`);
  }
  hostId = (await registerMachine(srv.url, sampleFacts())).id;
});
afterAll(async () => {
  await srv.stop();
});

const bmcForm = (extra: Record<string, string> = {}) => ({
  driver: 'redfish',
  address: '10.0.7.17',
  port: '8443',
  username: 'webroot',
  password: HOST_PASSWORD,
  credentials: '',
  system_path: '/redfish/v1/Systems/System.Embedded.1',
  verify_tls: '1',
  ca_file: '',
  ...extra,
});

describe('host BMC panel', () => {
  it('When an operator saves the BMC form, then it is stored (password sealed) and the page shows it without the password', async () => {
    const { agent, csrf } = logins.operator!;
    await agent
      .post(`/hosts/${hostId}/bmc`)
      .type('form')
      .send({ _csrf: csrf, ...bmcForm() })
      .expect(303);
    expect(await storedBmc()).toMatchObject({
      driver: 'redfish',
      address: '10.0.7.17',
      port: 8443,
      username: 'webroot',
      has_password: true,
      system_path: '/redfish/v1/Systems/System.Embedded.1',
      verify_tls: true,
      address_source: 'manual',
    });
    const page = (await agent.get(`/hosts/${hostId}`).expect(200)).text;
    expect(page).toContain('id="bmc-form"');
    expect(page).toContain('value="webroot"');
    expect(page).not.toContain(HOST_PASSWORD);
    expect(page).not.toContain('kickstand-sealed');
  });

  it('When the form comes back with a bad address, then the error is next to it, what was typed is kept (not the password), and the stored BMC is unchanged', async () => {
    const { agent, csrf } = logins.operator!;
    const before = await storedBmc();
    const res = await agent
      .post(`/hosts/${hostId}/bmc`)
      .type('form')
      .send({ _csrf: csrf, ...bmcForm({ address: 'bmc 7; reboot', username: 'typed-user', password: 'typed-Secret-99' }) })
      .expect(400);
    expect(res.text).toMatch(/id="error-bmc-address">bmc\.address must be an IPv4 or IPv6 address or a DNS name/);
    expect(res.text).toContain('value="bmc 7; reboot"');
    expect(res.text).toContain('value="typed-user"');
    expect(res.text).not.toContain('typed-Secret-99');
    const port = await agent
      .post(`/hosts/${hostId}/bmc`)
      .type('form')
      .send({ _csrf: csrf, ...bmcForm({ port: '99999' }) })
      .expect(400);
    expect(port.text).toContain('id="error-bmc-port"');
    const ca = await agent
      .post(`/hosts/${hostId}/bmc`)
      .type('form')
      .send({ _csrf: csrf, ...bmcForm({ ca_file: 'relative.pem' }) })
      .expect(400);
    expect(ca.text).toMatch(/id="error-bmc-ca_file">bmc\.ca_file must be an absolute path/);
    expect(await storedBmc()).toEqual(before);
  });

  it('When the form is saved with a blank password, then the stored password is kept for the same BMC, and must be typed again for another address', async () => {
    const { agent, csrf } = logins.admin!;
    const sealed = await sealedPassword();
    expect(sealed).toMatch(/^kickstand-sealed:v1:/);
    await agent
      .post(`/hosts/${hostId}/bmc`)
      .type('form')
      .send({ _csrf: csrf, ...bmcForm({ password: '', system_path: '' }) })
      .expect(303);
    expect(await storedBmc()).toMatchObject({ address: '10.0.7.17', username: 'webroot', has_password: true });
    expect(await sealedPassword()).toBe(sealed);

    // The stored password was typed for 10.0.7.17: it is not sent to another address without being typed.
    const moved = await agent
      .post(`/hosts/${hostId}/bmc`)
      .type('form')
      .send({ _csrf: csrf, ...bmcForm({ address: '10.0.0.77', password: '' }) })
      .expect(400);
    expect(moved.text).toContain('must be typed again for a new driver, address or port');
    expect(await storedBmc()).toMatchObject({ address: '10.0.7.17', has_password: true });
    expect(await sealedPassword()).toBe(sealed);

    await agent
      .post(`/hosts/${hostId}/bmc`)
      .type('form')
      .send({ _csrf: csrf, ...bmcForm({ address: '10.0.0.77' }) })
      .expect(303);
    expect(await storedBmc()).toMatchObject({ address: '10.0.0.77', username: 'webroot', has_password: true });
  });

  it('When a viewer or an author opens the host page, then a summary without the user or a form; their posts are refused', async () => {
    for (const role of ['viewer', 'author']) {
      const { agent, csrf } = logins[role]!;
      const page = (await agent.get(`/hosts/${hostId}`).expect(200)).text;
      expect(page).toMatch(/id="bmc-summary">redfish at <code>10\.0\.0\.77<\/code> port 8443/);
      expect(page, role).not.toContain('id="bmc-form"');
      expect(page, role).not.toContain('webroot');
      expect(page, role).not.toContain(HOST_PASSWORD);
      await agent
        .post(`/hosts/${hostId}/bmc`)
        .type('form')
        .send({ _csrf: csrf, ...bmcForm({ address: '10.6.6.6' }) })
        .expect(403);
      await agent.post(`/hosts/${hostId}/bmc/clear`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(403);
    }
    expect((await storedBmc()).address).toBe('10.0.0.77');
  });

  it('When the BMC is removed without confirming, then nothing changes; confirmed, it is gone', async () => {
    const { agent, csrf } = logins.operator!;
    const res = await agent.post(`/hosts/${hostId}/bmc/clear`).type('form').send({ _csrf: csrf }).expect(400);
    expect(res.text).toContain('id="error-bmc-clear"');
    expect((await storedBmc()).address).toBe('10.0.0.77');
    await agent.post(`/hosts/${hostId}/bmc/clear`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
    await request(srv.url).get(`/api/v1/hosts/${hostId}/bmc`).set(admin()).expect(404);
    await agent
      .post(`/hosts/${hostId}/bmc`)
      .type('form')
      .send({ _csrf: csrf, ...bmcForm() })
      .expect(303);
  });
});

describe('BMC credentials page', () => {
  it('When an admin creates and edits a set, then the password is never printed and a blank one is kept', async () => {
    const { agent, csrf } = logins.admin!;
    await agent
      .post('/bmc-credentials')
      .type('form')
      .send({ _csrf: csrf, name: 'rack-w', username: 'ADMIN', password: SET_PASSWORD })
      .expect(303);
    await agent
      .post('/bmc-credentials/rack-w')
      .type('form')
      .send({ _csrf: csrf, username: 'ADMIN2', password: '', description: 'rack W' })
      .expect(303);
    const set = (await request(srv.url).get('/api/v1/bmc-credentials/rack-w').set(admin()).expect(200)).body;
    expect(set).toMatchObject({ name: 'rack-w', username: 'ADMIN2', description: 'rack W', has_password: true });
    for (const url of ['/bmc-credentials', '/bmc-credentials/rack-w']) {
      const page = (await agent.get(url).expect(200)).text;
      expect(page).toContain('ADMIN2');
      expect(page).not.toContain(SET_PASSWORD);
    }
  });

  it('When a description carries markup, then the page shows it as text', async () => {
    const { agent, csrf } = logins.admin!;
    await agent
      .post('/bmc-credentials')
      .type('form')
      .send({ _csrf: csrf, name: 'rack-html', username: 'u', password: 'p', description: '<script>alert(1)</script>' })
      .expect(303);
    const page = (await agent.get('/bmc-credentials').expect(200)).text;
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>alert(1)</script>');
    await request(srv.url).delete('/api/v1/bmc-credentials/rack-html').set(admin()).expect(204);
  });

  it('When a new set has a bad name or no password, then the error is next to its field and the typed user is kept', async () => {
    const { agent, csrf } = logins.admin!;
    const res = await agent
      .post('/bmc-credentials')
      .type('form')
      .send({ _csrf: csrf, name: 'bad name!', username: 'kept-user', password: 'x' })
      .expect(400);
    expect(res.text).toContain('id="error-name"');
    expect(res.text).toContain('value="kept-user"');
    const none = await agent
      .post('/bmc-credentials')
      .type('form')
      .send({ _csrf: csrf, name: 'rack-x', username: 'u', password: '' })
      .expect(400);
    expect(none.text).toContain('id="error-password"');
    const names = (await request(srv.url).get('/api/v1/bmc-credentials').set(admin())).body.credentials.map(
      (c: { name: string }) => c.name,
    );
    expect(names).toEqual(['rack-w']);
  });

  it('When a set in use is deleted, then the page names the user and offers "Delete anyway"; a wrong confirmation changes nothing', async () => {
    const { agent, csrf } = logins.admin!;
    await agent
      .post(`/hosts/${hostId}/bmc`)
      .type('form')
      .send({ _csrf: csrf, ...bmcForm({ username: '', password: '', credentials: 'rack-w' }) })
      .expect(303);
    const wrong = await agent.post('/bmc-credentials/rack-w/delete').type('form').send({ _csrf: csrf, confirm: 'rack' }).expect(400);
    expect(wrong.text).toContain('id="error-confirm"');
    const inUse = await agent.post('/bmc-credentials/rack-w/delete').type('form').send({ _csrf: csrf, confirm: 'rack-w' }).expect(409);
    expect(inUse.text).toContain(`host ${hostId}`);
    expect(inUse.text).toContain('id="delete-anyway"');
    await request(srv.url).get('/api/v1/bmc-credentials/rack-w').set(admin()).expect(200);
    await agent.post('/bmc-credentials/rack-w/delete').type('form').send({ _csrf: csrf, confirm: 'rack-w', force: '1' }).expect(303);
    await request(srv.url).get('/api/v1/bmc-credentials/rack-w').set(admin()).expect(404);
  });

  it('When an operator opens the page, then the list without forms; authors and viewers get no page and no nav link; non-admins cannot post', async () => {
    await request(srv.url)
      .put('/api/v1/bmc-credentials/rack-o')
      .set(admin())
      .send({ username: 'opuser', password: SET_PASSWORD })
      .expect(200);
    const op = logins.operator!;
    const page = (await op.agent.get('/bmc-credentials').expect(200)).text;
    expect(page).toContain('rack-o');
    expect(page).not.toContain('id="credentials-form"');
    expect(page).toContain('href="/bmc-credentials"');
    for (const role of ['author', 'viewer']) {
      const { agent } = logins[role]!;
      await agent.get('/bmc-credentials').expect(403);
      expect((await agent.get('/hosts').expect(200)).text, role).not.toContain('href="/bmc-credentials"');
    }
    for (const role of ['operator', 'author', 'viewer']) {
      const { agent, csrf } = logins[role]!;
      await agent.post('/bmc-credentials').type('form').send({ _csrf: csrf, name: 'evil', username: 'e', password: 'e' }).expect(403);
      await agent.post('/bmc-credentials/rack-o').type('form').send({ _csrf: csrf, username: 'evil', password: 'e' }).expect(403);
      await agent.post('/bmc-credentials/rack-o/delete').type('form').send({ _csrf: csrf, confirm: 'rack-o', force: '1' }).expect(403);
    }
    expect((await request(srv.url).get('/api/v1/bmc-credentials/rack-o').set(admin()).expect(200)).body.username).toBe('opuser');
  });
});

describe('CSRF and the other forms', () => {
  it('When a BMC form is posted without the CSRF token or with a forged one, then 403 and nothing changes', async () => {
    const { agent } = logins.admin!;
    const before = await storedBmc();
    const forms: [string, Record<string, string>][] = [
      [`/hosts/${hostId}/bmc`, bmcForm({ address: '10.9.9.9' })],
      [`/hosts/${hostId}/bmc/clear`, { confirm: 'yes' }],
      ['/bmc-credentials', { name: 'csrf', username: 'u', password: 'p' }],
      ['/bmc-credentials/rack-o', { username: 'csrf', password: '' }],
      ['/bmc-credentials/rack-o/delete', { confirm: 'rack-o', force: '1' }],
      ['/settings', { bmc_default_credentials: 'rack-o' }],
    ];
    for (const [url, body] of forms)
      for (const token of [undefined, 'forged-token-0000']) {
        const res = await agent
          .post(url)
          .type('form')
          .send({ ...body, ...(token ? { _csrf: token } : {}) });
        expect(res.status, `${url} ${token ?? 'none'}`).toBe(403);
      }
    expect(await storedBmc()).toEqual(before);
    expect((await request(srv.url).get('/api/v1/bmc-credentials/rack-o').set(admin())).body.username).toBe('opuser');
    expect((await request(srv.url).get('/api/v1/settings').set(admin())).body).not.toHaveProperty('bmc_default_credentials');
  });

  it('When the default set and a profile set are chosen on their forms, then they are stored; an unknown set is refused next to the field', async () => {
    const { agent, csrf } = logins.operator!;
    await agent.post('/settings').type('form').send({ _csrf: csrf, bmc_default_credentials: 'rack-o' }).expect(303);
    expect((await request(srv.url).get('/api/v1/settings').set(admin())).body).toMatchObject({
      bmc_default_credentials: 'rack-o',
      auto_provision: false,
    });
    expect((await agent.get('/rules').expect(200)).text).toMatch(/id="bmc-default">Default BMC credential set: <strong>rack-o<\/strong>/);
    const bad = await agent.post('/settings').type('form').send({ _csrf: csrf, bmc_default_credentials: 'ghost' }).expect(404);
    expect(bad.text).toContain('id="error-bmc_default_credentials"');
    await agent
      .post('/profiles')
      .type('form')
      .send({ _csrf: csrf, name: 'racked', action: 'reboot', bmc_credentials: 'rack-o' })
      .expect(303);
    expect((await request(srv.url).get('/api/v1/profiles/racked').set(admin())).body.bmc_credentials).toBe('rack-o');
    const ghost = await agent
      .post('/profiles')
      .type('form')
      .send({ _csrf: csrf, name: 'haunted', action: 'reboot', bmc_credentials: 'ghost' })
      .expect(404);
    expect(ghost.text).toContain('id="error-bmc_credentials"');
    await request(srv.url).get('/api/v1/profiles/haunted').set(admin()).expect(404);
  });
});
