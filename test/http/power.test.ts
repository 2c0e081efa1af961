// The power API, attacked: roles (viewer and author refused, operator allowed), an unknown host, a host
// without a BMC, bad actions and devices named in the error, each BMC failure as its status and
// message, and the BMC password in no answer, audit entry or log line.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BmcJob } from '../../src/bmc/jobs/job.js';
import { BMC_PASSWORD, saveHostWithBmc } from '../support/bmc-hosts.js';
import { FakeBmcs } from '../support/fake-bmc.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, webLogin } from '../support/sessions.js';

let srv: TestServer;
const bmcs = new FakeBmcs();
const tokens: Record<string, string> = {};
const answers: string[] = [];

beforeAll(async () => {
  srv = await startTestServer({ bmcDrivers: bmcs.drivers(), env: { KICKSTAND_BMC_RETRIES: '0', KICKSTAND_BMC_TIMEOUT_MS: '200' } });
  for (const role of ['operator', 'author', 'viewer']) {
    await createUser(srv, role, role, `${role}-password-123`);
    const res = await request(srv.url)
      .post(`/api/v1/users/${role}/tokens`)
      .set('Authorization', `Bearer ${srv.adminToken}`)
      .send({ name: 't' });
    tokens[role] = res.body.token as string;
  }
});
afterAll(() => srv.stop());

let n = 0;
async function host(machine: Parameters<FakeBmcs['machine']>[1] = {}, opts: Parameters<typeof saveHostWithBmc>[2] = {}) {
  const address = `10.30.0.${++n}`;
  bmcs.machine(address, { password: BMC_PASSWORD, ...machine });
  return saveHostWithBmc(srv.running.deps, `pw-${n}`, { address, ...opts });
}

function call(method: 'get' | 'post', path: string, token = tokens.operator!, body?: object) {
  const r = request(srv.url)[method](path).set('Authorization', `Bearer ${token}`);
  return (body ? r.send(body) : r).then((res) => {
    answers.push(res.text);
    return res;
  });
}

describe('who may', () => {
  it.each(['viewer', 'author'])('When a %s asks for a power action, then 403 and the BMC is not called', async (role) => {
    const h = await host({ power: 'off' });
    const before = bmcs.calls.length;
    for (const [path, body] of [
      [`/api/v1/hosts/${h.id}/power`, { action: 'on' }],
      [`/api/v1/hosts/${h.id}/boot-device`, { device: 'pxe' }],
      [`/api/v1/hosts/${h.id}/bmc/test`, undefined],
      [`/api/v1/hosts/${h.id}/rediscover`, undefined],
      [`/api/v1/hosts/${h.id}/reinstall`, undefined],
      ['/api/v1/hosts/power', { ids: [h.id], action: 'on' }],
    ] as const) {
      const res = await call('post', path, tokens[role], body);
      expect(res.status, path).toBe(403);
      expect(res.body.error.message).toMatch(/needs power:write/);
    }
    expect(bmcs.calls.length).toBe(before);
    expect(bmcs.machines.get(h.bmc!.address)!.power).toBe('off');
  });

  it('When an operator powers a host on, then 200 with the finished job, and the host shows it', async () => {
    const h = await host({ power: 'off' });
    const res = await call('post', `/api/v1/hosts/${h.id}/power`, tokens.operator, { action: 'on' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ host: h.id, action: 'power-on', status: 'succeeded', actor: 'operator' });
    const job = await call('get', `/api/v1/bmc/jobs/${res.body.id as string}`, tokens.viewer);
    expect(job.body.status).toBe('succeeded');
    const list = await call('get', `/api/v1/bmc/jobs?host=${h.id}`, tokens.viewer);
    expect(list.body.jobs.map((j: BmcJob) => j.id)).toEqual([res.body.id]);
    const detail = await call('get', `/api/v1/hosts/${h.id}`, tokens.viewer);
    expect(detail.body.events.at(-1)).toMatchObject({ type: 'power-on', actor: 'operator' });
  });

  it('When a viewer reads the power state, then the BMC is asked through the queue and the state answered', async () => {
    const h = await host({ power: 'on' });
    const res = await call('get', `/api/v1/hosts/${h.id}/power`, tokens.viewer);
    expect(res.status).toBe(200);
    expect(res.body.power).toBe('on');
  });

  it('When a viewer floods one host with power-state reads, then the BMC is asked once for all of them and the queue holds one job', async () => {
    const h = await host({ power: 'on', delayMs: 150 });
    const before = bmcs.calls.filter((c) => c.address === h.bmc!.address).length;
    const answers = await Promise.all(Array.from({ length: 40 }, () => call('get', `/api/v1/hosts/${h.id}/power`, tokens.viewer)));
    expect(answers.map((r) => r.status)).toEqual(Array(40).fill(200));
    const jobIds = new Set(answers.map((r) => (r.body as { job: { id: string } }).job.id));
    expect([...jobIds].every((j) => typeof j === 'string')).toBe(true);
    expect(jobIds.size).toBe(1);
    expect(bmcs.calls.filter((c) => c.address === h.bmc!.address).length - before).toBe(1);
    // Once it finished, the next read asks the BMC again (the answer is never stale by sharing).
    await call('get', `/api/v1/hosts/${h.id}/power`, tokens.viewer);
    expect(bmcs.calls.filter((c) => c.address === h.bmc!.address).length - before).toBe(2);
  });
});

describe('bad requests', () => {
  it('When the host does not exist, then 404 HOST_NOT_FOUND', async () => {
    const res = await call('post', '/api/v1/hosts/nope/power', tokens.operator, { action: 'on' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('HOST_NOT_FOUND');
    expect((await call('get', '/api/v1/bmc/jobs/nope', tokens.viewer)).status).toBe(404);
  });

  it('When the host has no BMC, then 409 BMC_NOT_CONFIGURED', async () => {
    const h = await saveHostWithBmc(srv.running.deps, 'pw-none', { bmc: null });
    for (const path of ['power', 'rediscover', 'bmc/test']) {
      const res = await call('post', `/api/v1/hosts/${h.id}/${path}`, tokens.operator, path === 'power' ? { action: 'on' } : undefined);
      expect(res.status, path).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'BMC_NOT_CONFIGURED', field: 'bmc' });
    }
  });

  it('When the action, device or mode is not one we know, then 400 naming the field', async () => {
    const h = await host();
    const cases = [
      ['power', { action: 'explode' }, 'action'],
      ['power', {}, 'action'],
      ['power', { action: 'on', extra: 1 }, 'extra'],
      ['boot-device', { device: 'floppy' }, 'device'],
      ['boot-device', { device: 'pxe', mode: 'efi' }, 'mode'],
      ['boot-device', { device: 'pxe', persistent: 'yes' }, 'persistent'],
    ] as const;
    for (const [path, body, field] of cases) {
      const res = await call('post', `/api/v1/hosts/${h.id}/${path}`, tokens.operator, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION', field });
      expect(res.body.error.message).toContain(field);
    }
    const bulk = await call('post', '/api/v1/hosts/power', tokens.operator, { ids: [h.id], action: 'launch', confirm: true });
    expect(bulk.body.error).toMatchObject({ code: 'VALIDATION', field: 'action' });
    const unconfirmed = await call('post', '/api/v1/hosts/power', tokens.operator, { ids: [h.id], action: 'off' });
    expect(unconfirmed.body.error).toMatchObject({ code: 'VALIDATION', field: 'confirm' });
    const both = await call('post', '/api/v1/hosts/power', tokens.operator, { action: 'on' });
    expect(both.body.error).toMatchObject({ code: 'VALIDATION', field: 'ids' });
    expect(bmcs.calls.filter((c) => c.address === h.bmc!.address)).toEqual([]);
  });
});

describe('BMC failures', () => {
  it.each([
    [{ fail: 'unreachable' }, 502, 'BMC_UNREACHABLE', /no BMC answers at/],
    [{ fail: 'timeout' }, 504, 'BMC_TIMEOUT', /.+/],
    [{ fail: 'refused' }, 502, 'BMC_REFUSED', /refused the action/],
    [{ password: 'another' }, 502, 'BMC_AUTH', /refused the user or password/],
  ] as const)('When the BMC fails (%o), then %i %s with its message', async (machine, status, code, message) => {
    const h = await host(machine);
    const res = await call('post', `/api/v1/hosts/${h.id}/power`, tokens.operator, { action: 'cycle' });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
  });

  it('When rediscover stops at a step, then the answer says which step', async () => {
    const h = await host({ fail: 'refused' }, { state: 'failed' });
    const res = await call('post', `/api/v1/hosts/${h.id}/rediscover`, tokens.operator);
    expect(res.status).toBe(502);
    expect(res.body.error.message).toMatch(/\(step: one-time PXE boot\)$/);
  });

  it('When an installed host is reinstalled, then 200 and each step is in the job', async () => {
    const h = await host({ power: 'on' }, { state: 'installed' });
    const res = await call('post', `/api/v1/hosts/${h.id}/reinstall`, tokens.operator);
    expect(res.status).toBe(200);
    expect(res.body.steps.map((s: { name: string }) => s.name)).toEqual(['reprovision', 'one-time PXE boot', 'power cycle']);
  });

  it('When the test connection runs, then the identity is answered', async () => {
    const h = await host({ power: 'on' });
    const res = await call('post', `/api/v1/hosts/${h.id}/bmc/test`, tokens.operator);
    expect(res.body.result).toEqual({ power: 'on', manufacturer: 'Fake BMC', firmware: '1.0' });
  });
});

describe('secrets', () => {
  it('When everything above ran, then the BMC password is in no answer, no audit entry and no log line', async () => {
    expect(answers.length).toBeGreaterThan(20);
    const audit = await call('get', '/api/v1/audit?limit=500', srv.adminToken);
    expect(audit.status).toBe(200);
    expect(audit.text).toContain('host.power');
    for (const text of [...answers, JSON.stringify(srv.logs)]) expect(text).not.toContain(BMC_PASSWORD);
    // The sealed form is not in any answer either: the API never shows host.bmc.password.
    for (const text of answers) expect(text).not.toContain('kickstand-sealed');
  });
});

describe('web forms', () => {
  it('When an operator uses the host page, then the panel shows the state, actions come back with their outcome, and CSRF is checked', async () => {
    await createUser(srv, 'webop', 'operator', 'webop-password-123');
    const { agent, csrf } = await webLogin(srv, 'webop', 'webop-password-123');
    const h = await host({ power: 'off' }, { state: 'installed', hostname: 'web1.example.com' });
    const page = await agent.get(`/hosts/${h.id}`).expect(200);
    expect(page.text).toContain('id="power-on"');
    expect(page.text).toContain('id="reinstall"');
    expect(page.text).toMatch(/Power: <strong>not checked yet/);
    expect(page.text).not.toContain(BMC_PASSWORD);
    expect(page.text).not.toContain('kickstand-sealed');

    // Without the session's CSRF token: refused, the BMC untouched.
    const before = bmcs.calls.length;
    await agent.post(`/hosts/${h.id}/power`).type('form').send({ action: 'on' }).expect(403);
    await agent.post(`/hosts/${h.id}/power`).type('form').send({ _csrf: 'forged', action: 'on' }).expect(403);
    expect(bmcs.calls.length).toBe(before);

    const on = await agent.post(`/hosts/${h.id}/power`).type('form').send({ _csrf: csrf, action: 'on' }).expect(303);
    const after = await agent.get(on.headers.location!).expect(200);
    expect(after.text).toMatch(/id="power-done">power-on: power on: done/);
    expect(after.text).toMatch(/Power: <strong>on/);

    // Power off of an installed host: its name typed, or refused with nothing done.
    const refused = await agent.post(`/hosts/${h.id}/power`).type('form').send({ _csrf: csrf, action: 'off', confirm: 'yes' }).expect(303);
    expect((await agent.get(refused.headers.location!)).text).toMatch(
      /is not this host&#39;s name: type web1.example.com to power off it \(nothing was changed\)/,
    );
    expect(bmcs.machines.get(h.bmc!.address)!.power).toBe('on');
    await agent.post(`/hosts/${h.id}/power`).type('form').send({ _csrf: csrf, action: 'off', confirm: 'web1.example.com' }).expect(303);
    expect(bmcs.machines.get(h.bmc!.address)!.power).toBe('off');

    const boot = await agent.post(`/hosts/${h.id}/boot-device`).type('form').send({ _csrf: csrf, device: 'floppy' }).expect(303);
    expect((await agent.get(boot.headers.location!)).text).toMatch(/device must be one of pxe, disk, cd, bios/);

    const reinstall = await agent
      .post(`/hosts/${h.id}/reinstall`)
      .type('form')
      .send({ _csrf: csrf, confirm: 'web1.example.com' })
      .expect(303);
    const shown = (await agent.get(reinstall.headers.location!)).text;
    expect(shown).toMatch(/reinstall: was off: powered on/);
    expect(shown).toMatch(/<strong>one-time PXE boot<\/strong>: succeeded/);
  });

  it('When a BMC’s failure message carries markup (a hostile address), then the flash and the timeline show it as text', async () => {
    const { agent, csrf } = await webLogin(srv, 'webop', 'webop-password-123');
    const hostile = '<img src=x onerror=alert(1)>';
    const h = await saveHostWithBmc(srv.running.deps, 'pw-hostile', { address: hostile });
    const posted = await agent.post(`/hosts/${h.id}/power`).type('form').send({ _csrf: csrf, action: 'on' }).expect(303);
    const page = (await agent.get(posted.headers.location!).expect(200)).text;
    expect(page).toContain('no BMC answers at &lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain(hostile);
  });

  it('When a viewer opens the host page or posts a power form, then no buttons and 403', async () => {
    await createUser(srv, 'webview', 'viewer', 'webview-password-123');
    const { agent, csrf } = await webLogin(srv, 'webview', 'webview-password-123');
    const h = await host({ power: 'off' });
    const page = await agent.get(`/hosts/${h.id}`).expect(200);
    expect(page.text).toContain('id="power-state"');
    expect(page.text).not.toContain('id="power-on"');
    for (const path of ['power', 'power/status', 'boot-device', 'bmc/test', 'rediscover', 'reinstall'])
      await agent
        .post(`/hosts/${h.id}/${path}`)
        .type('form')
        .send({ _csrf: csrf, action: 'on', device: 'pxe', confirm: 'yes' })
        .expect(403);
    const bulk = await agent.get('/hosts').expect(200);
    expect(bulk.text).not.toContain('value="power-on"');
    expect(bmcs.machines.get(h.bmc!.address)!.power).toBe('off');
  });

  it('When power cycle is chosen in the bulk select, then it is confirmed and each host’s result is in the flash; the power column shows', async () => {
    const { agent, csrf } = await webLogin(srv, 'webop', 'webop-password-123');
    const a = await host({ power: 'on' });
    const b = await host({ power: 'on', fail: 'unreachable' });
    const unconfirmed = await agent
      .post('/hosts/bulk')
      .type('form')
      .send({ _csrf: csrf, bulk_action: 'power-cycle', ids: [a.id, b.id] })
      .expect(303);
    expect((await agent.get(unconfirmed.headers.location!)).text).toMatch(/confirm the power-cycle of 2 host\(s\) first/);
    const posted = await agent
      .post('/hosts/bulk')
      .type('form')
      .send({ _csrf: csrf, bulk_action: 'power-cycle', confirm: 'yes', ids: [a.id, b.id] })
      .expect(303);
    const list = (await agent.get(posted.headers.location!).expect(200)).text;
    expect(list).toMatch(/power-cycle: 1 done, 1 failed/);
    expect(list).toContain(`no BMC answers at ${b.bmc!.address}`);
    const column = await agent.get(`/hosts?cols=power&where=${encodeURIComponent('power == "on"')}`).expect(200);
    expect(column.text).toContain(a.id);
    expect(column.text).not.toContain(`>${b.id}<`);
  });
});
