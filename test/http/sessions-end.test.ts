// Issue 13, item 5: sessions and tokens end with their user. Deleting a user, resetting its password or
// changing its role ends its web sessions at the next request; roles are read per request; a deleted
// user's personal tokens stop at once — whether the change comes from the API or from the
// `kickstand user` CLI in another process while the service runs.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, webLogin } from '../support/sessions.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { FAULT_ADMIN_TOKEN, startServiceProcess, type ServiceProcess } from '../support/service-process.js';

const run = promisify(execFile);
const PASSWORD = 'session-password-12';

/** The next page request of a session whose user changed: back to the login form. */
async function endedAtNextRequest(agent: request.Agent): Promise<void> {
  const res = await agent.get('/hosts');
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/login?next=%2Fhosts');
}

describe('sessions end with their user (API)', () => {
  let srv: TestServer;
  const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => srv.stop());

  it('When a user is deleted, then its session is sent to login at the next request and its personal token is refused', async () => {
    await createUser(srv, 'gone', 'operator', PASSWORD);
    const token = (await request(srv.url).post('/api/v1/users/gone/tokens').set(admin()).send({ name: 'ci' }).expect(201)).body
      .token as string;
    const { agent } = await webLogin(srv, 'gone', PASSWORD);
    await request(srv.url).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    await request(srv.url).delete('/api/v1/users/gone').set(admin()).expect(204);
    await endedAtNextRequest(agent);
    await request(srv.url).get('/api/v1/hosts').set('Authorization', `Bearer ${token}`).expect(401);
    // A new user of the same name does not bring the old session back.
    await createUser(srv, 'gone', 'operator', PASSWORD);
    await endedAtNextRequest(agent);
  });

  it('When a password is reset, then the sessions started with the old one end at once', async () => {
    await createUser(srv, 'reset-me', 'viewer', PASSWORD);
    const { agent } = await webLogin(srv, 'reset-me', PASSWORD);
    await request(srv.url).post('/api/v1/users/reset-me/password').set(admin()).send({ password: 'a-brand-new-pass-1' }).expect(200);
    await endedAtNextRequest(agent);
  });

  it('When an admin is made a viewer, then its session ends and its token has only the viewer rights from the next request on', async () => {
    await createUser(srv, 'boss', 'admin', PASSWORD);
    const token = (await request(srv.url).post('/api/v1/users/boss/tokens').set(admin()).send({ name: 'ci' }).expect(201)).body
      .token as string;
    const bearer = { Authorization: `Bearer ${token}` };
    const { agent, csrf } = await webLogin(srv, 'boss', PASSWORD);
    await request(srv.url).post('/api/v1/profiles').set(bearer).send({ name: 'before', action: 'reboot' }).expect(201);

    const changed = await request(srv.url).patch('/api/v1/users/boss').set(admin()).send({ role: 'viewer' }).expect(200);
    expect(changed.body.role).toBe('viewer');
    // The session's next request, a form post it was allowed a moment ago, goes to the login form.
    const post = await agent.post('/profiles').type('form').send({ _csrf: csrf, name: 'after', action: 'reboot' });
    expect(post.status).toBe(303);
    expect(post.headers.location).toMatch(/^\/login\?next=/);
    const refused = await request(srv.url).post('/api/v1/profiles').set(bearer).send({ name: 'after', action: 'reboot' }).expect(403);
    expect(refused.body.error.message).toContain('role viewer');
    await request(srv.url).get('/api/v1/profiles/after').set(admin()).expect(404);
    expect((await request(srv.url).get('/api/v1/me').set(bearer).expect(200)).body.role).toBe('viewer');
    // Logging in again gives a viewer session.
    const again = await webLogin(srv, 'boss', PASSWORD);
    expect((await again.agent.get('/hosts').expect(200)).text).toContain('boss (viewer)');
  });

  it('When a role change names no known role, then it is refused naming the field', async () => {
    await createUser(srv, 'stays', 'author', PASSWORD);
    const res = await request(srv.url).patch('/api/v1/users/stays').set(admin()).send({ role: 'boss' }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION', field: 'role' });
    await request(srv.url).patch('/api/v1/users/nobody').set(admin()).send({ role: 'viewer' }).expect(404);
  });
});

describe('sessions end with their user (CLI in another process)', () => {
  let svc: ServiceProcess;
  let dataDir: string;
  const cli = (args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/main.ts', 'user', ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        KICKSTAND_DATA: dataDir,
        PORT: String(svc.port),
        KICKSTAND_BIND: '127.0.0.1',
        KICKSTAND_ADMIN_TOKEN: FAULT_ADMIN_TOKEN,
        KICKSTAND_USER_PASSWORD: 'cli-chosen-password-1',
      },
      timeout: 30_000,
    });
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-sessions-'));
    svc = await startServiceProcess({ dataDir });
    for (const [name, role] of [
      ['cli-admin', 'admin'],
      ['cli-reset', 'viewer'],
      ['cli-gone', 'operator'],
    ]) {
      expect((await svc.admin('POST', '/api/v1/users', { name, role, password: PASSWORD })).status).toBe(201);
    }
  }, 90_000);
  afterAll(async () => {
    await svc?.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('When the CLI changes a role, resets a password or deletes a user while the service runs, then those sessions end at once and the token is refused', async () => {
    const demoted = await webLogin(svc, 'cli-admin', PASSWORD);
    const reset = await webLogin(svc, 'cli-reset', PASSWORD);
    const gone = await webLogin(svc, 'cli-gone', PASSWORD);
    const token = ((await (await svc.admin('POST', '/api/v1/users/cli-gone/tokens', { name: 'ci' })).json()) as { token: string }).token;

    expect((await cli(['role', 'cli-admin', '--role', 'viewer'])).stdout).toContain('cli-admin is now viewer');
    await endedAtNextRequest(demoted.agent);
    expect((await cli(['reset', 'cli-reset'])).stdout).toContain('password of cli-reset changed');
    await endedAtNextRequest(reset.agent);
    expect((await cli(['delete', 'cli-gone'])).stdout).toContain('deleted cli-gone');
    await endedAtNextRequest(gone.agent);
    await request(svc.url).get('/api/v1/hosts').set('Authorization', `Bearer ${token}`).expect(401);

    // The service made the changes (one writer): they are in its audit trail, and the new password works.
    const audit = (await (await svc.admin('GET', '/api/v1/audit?action=user.*')).json()) as {
      entries: { action: string; target: string }[];
    };
    expect(audit.entries.map((e) => `${e.action} ${e.target}`)).toEqual(
      expect.arrayContaining(['user.role cli-admin', 'user.password cli-reset', 'user.delete cli-gone']),
    );
    expect((await (await webLogin(svc, 'cli-reset', 'cli-chosen-password-1')).agent.get('/hosts')).status).toBe(200);
  }, 90_000);
});
