// Attack: with auto-provisioning on, a new machine put kickstand.profile=NAME on its own kernel command
// line and got that profile; GET /boot/cmdline?profile=X told anyone whether X existed. Now only a
// profile an admin marked bootable can be picked that way, an unknown and a not-bootable name are
// handled alike, and the open /boot/* routes answer the same whatever the name is.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, webLogin } from '../support/sessions.js';

let srv: TestServer;
const api = {
  get: (route: string) => request(srv.url).get(route).set('Authorization', `Bearer ${srv.adminToken}`),
  post: (route: string, body: object) => request(srv.url).post(route).set('Authorization', `Bearer ${srv.adminToken}`).send(body),
  put: (route: string, body: object) => request(srv.url).put(route).set('Authorization', `Bearer ${srv.adminToken}`).send(body),
  patch: (route: string, body: object) => request(srv.url).patch(route).set('Authorization', `Bearer ${srv.adminToken}`).send(body),
};

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts'), publicUrl: 'http://192.0.2.10:8080' });
  await api.post('/api/v1/profiles', { name: 'wipe-all', action: 'kickstart', template: 'plain.ks.njk' }).expect(201);
  await api.post('/api/v1/profiles', { name: 'el9-web', action: 'kickstart', template: 'plain.ks.njk', bootable: true }).expect(201);
  await api.post('/api/v1/profiles', { name: 'from-rule', action: 'reboot' }).expect(201);
  await api.post('/api/v1/rules', { name: 'everyone', expression: 'memory_mib > 1', profile: 'from-rule' }).expect(201);
});
afterAll(async () => srv.stop());

const bootingWith = (mac: string, profile: string) =>
  sampleFacts({
    boot_mac: mac,
    kernel: { release: '5.14.0', cmdline: `BOOT_IMAGE=vmlinuz ip=dhcp inst.ks=http://192.0.2.10:8080/ks kickstand.profile=${profile}` },
  });

describe('the bootable flag', () => {
  it('When a profile is created without it, then it is not bootable; it can be set, and must be a boolean', async () => {
    expect((await api.get('/api/v1/profiles/wipe-all').expect(200)).body.bootable).toBe(false);
    expect((await api.get('/api/v1/profiles/el9-web').expect(200)).body.bootable).toBe(true);
    expect(
      (await api.get('/api/v1/profiles').expect(200)).body.profiles.find((p: { name: string }) => p.name === 'from-rule').bootable,
    ).toBe(false);
    const bad = await api.post('/api/v1/profiles', { name: 'x1', action: 'reboot', bootable: 'yes' }).expect(400);
    expect(bad.body.error.code).toBe('VALIDATION');
    expect((await api.get('/api/v1/openapi.json').expect(200)).body.components.schemas.RebootProfile.properties.bootable.type).toBe(
      'boolean',
    );
  });

  it('When an admin ticks or unticks Bootable on the profile form, then the profile follows', async () => {
    await createUser(srv, 'ops', 'operator', 'correct horse battery');
    const { agent, csrf } = await webLogin(srv, 'ops', 'correct horse battery');
    await agent.post('/profiles').type('form').send({ _csrf: csrf, name: 'form-made', action: 'reboot', bootable: '1' }).expect(303);
    expect((await api.get('/api/v1/profiles/form-made').expect(200)).body.bootable).toBe(true);
    const page = await agent.get('/profiles/form-made').expect(200);
    expect(page.text).toMatch(/name="bootable" value="1" checked/);
    await agent.post('/profiles/form-made').type('form').send({ _csrf: csrf, action: 'reboot' }).expect(303);
    expect((await api.get('/api/v1/profiles/form-made').expect(200)).body.bootable).toBe(false);
    expect((await agent.get('/profiles/form-made').expect(200)).text).not.toMatch(/name="bootable" value="1" checked/);
  });
});

describe('kickstand.profile= on a new machine’s kernel command line', () => {
  beforeAll(async () => {
    await api.patch('/api/v1/settings', { auto_provision: true }).expect(200);
  });
  afterAll(async () => {
    await api.patch('/api/v1/settings', { auto_provision: false }).expect(200);
  });

  async function discover(mac: string, profile: string) {
    const reg = (await request(srv.url).post('/api/v1/discovery').send(bootingWith(mac, profile)).expect(201)).body as { id: string };
    return (await api.get(`/api/v1/hosts/${reg.id}`).expect(200)).body as {
      state: string;
      assignment?: { profile?: string };
      events: { type: string; actor: string; message: string }[];
    };
  }

  it('When it names a profile that is not bootable, then the host does not get it: the rules run, exactly as for a name that does not exist', async () => {
    const notBootable = await discover('52:54:00:00:3c:01', 'wipe-all');
    const unknown = await discover('52:54:00:00:3c:02', 'no-such');
    for (const host of [notBootable, unknown]) {
      expect(host.state).toBe('assigned');
      expect(host.assignment?.profile).toBe('from-rule');
    }
    // The same event, the same words, the same log level: nothing tells the two cases apart.
    const ignored = (h: typeof notBootable, name: string) =>
      h.events.filter((e) => e.type === 'boot-profile-ignored').map((e) => ({ ...e, message: e.message.replace(name, 'NAME') }));
    const a = ignored(notBootable, 'wipe-all');
    expect(a).toHaveLength(1);
    expect(a.map(({ type, actor, message }) => ({ type, actor, message }))).toEqual(
      ignored(unknown, 'no-such').map(({ type, actor, message }) => ({ type, actor, message })),
    );
    const lines = srv.logs.filter((l) => l.profile === 'wipe-all' || l.profile === 'no-such');
    expect(lines).toHaveLength(2);
    expect(lines[0]!.level).toBe(lines[1]!.level);
    expect(String(lines[0]!.msg).replace('wipe-all', 'NAME')).toBe(String(lines[1]!.msg).replace('no-such', 'NAME'));
  });

  it('When it names a bootable profile, then the host gets that profile', async () => {
    const host = await discover('52:54:00:00:3c:03', 'el9-web');
    expect(host.state).toBe('assigned');
    expect(host.assignment?.profile).toBe('el9-web');
    expect(host.events.at(-1)).toMatchObject({ type: 'assigned', actor: 'boot-entry' });
    expect(host.events.some((e) => e.type === 'boot-profile-ignored')).toBe(false);
  });
});

describe('GET /boot/* without credentials', () => {
  it('When ?profile= names a missing, a not-bootable or a bootable profile, then the answers are the same, byte for byte, and the store is not asked', async () => {
    const ask = async (format: string) => {
      const res = await request(srv.url).get(`/boot/${format}?profile=later-one`);
      return { status: res.status, type: res.headers['content-type'], body: res.text };
    };
    const formats = ['cmdline', 'pxelinux', 'grub', 'ipxe', 'dvd'];
    const missing = await Promise.all(formats.map(ask));
    await api.post('/api/v1/profiles', { name: 'later-one', action: 'reboot' }).expect(201);
    const lookups = vi.spyOn(srv.running.deps.store.profiles, 'get');
    const notBootable = await Promise.all(formats.map(ask));
    await api.put('/api/v1/profiles/later-one', { action: 'reboot', bootable: true }).expect(200);
    lookups.mockClear();
    const bootable = await Promise.all(formats.map(ask));
    expect(lookups).not.toHaveBeenCalled();
    lookups.mockRestore();
    expect(notBootable).toEqual(missing);
    expect(bootable).toEqual(missing);
    expect(missing[0]).toMatchObject({ status: 200, body: expect.stringContaining('kickstand.profile=later-one') });
  });

  it('When ?profile= is not a profile name at all, then 400 for everyone (it would land in a loader config)', async () => {
    for (const bad of ['a b', '$(reboot)', 'x'.repeat(65), '-lead']) {
      const res = await request(srv.url)
        .get(`/boot/cmdline?profile=${encodeURIComponent(bad)}`)
        .expect(400);
      expect(res.body.error.field).toBe('profile');
    }
  });

  it('When an admin asks on the Boot page, then a missing or not-bootable profile is named as such, and only bootable profiles are offered', async () => {
    await createUser(srv, 'viewer1', 'viewer', 'correct horse battery');
    const { agent } = await webLogin(srv, 'viewer1', 'correct horse battery');
    const missing = await agent.get('/boot?profile=no-such').expect(400);
    expect(missing.text).toContain('no profile named &quot;no-such&quot;');
    const notBootable = await agent.get('/boot?profile=wipe-all').expect(400);
    expect(notBootable.text).toContain('profile &quot;wipe-all&quot; is not bootable');
    const ok = await agent.get('/boot?profile=el9-web').expect(200);
    expect(ok.text).toContain('kickstand.profile=el9-web');
    expect(ok.text).not.toMatch(/<option[^>]*>wipe-all</);
  });
});
