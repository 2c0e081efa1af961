// The stage action over the API: profiles and direct assignments checked field by field, the answer a
// machine reads, who may create stage profiles, and what a host's facts can and cannot do to the answer.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser } from '../support/sessions.js';

let srv: TestServer;
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });
const tokens: Record<string, string> = {};

const SHA_K = 'A'.repeat(16) + 'b'.repeat(48);
const SHA_I = 'c'.repeat(64);
const STAGE = {
  action: 'stage',
  kernel: 'http://mirror.example.com/images/pxeboot/vmlinuz',
  kernel_sha256: SHA_K,
  kernel_size: 13_000_000,
  initrd: 'http://mirror.example.com/images/pxeboot/initrd.img',
  initrd_sha256: SHA_I,
  initrd_size: 110_000_000,
  append: 'inst.repo=http://mirror.example.com/os inst.ks=http://192.0.2.10/ks.cfg',
};
const capable = (over: Record<string, unknown> = {}) => sampleFacts({ stage: { available: true }, ...over });

async function register(facts: object = capable()) {
  const res = await request(srv.url).post('/api/v1/discovery').send(facts);
  expect([200, 201]).toContain(res.status);
  return res.body as { id: string; token: string; next: string };
}

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  for (const role of ['operator', 'author', 'viewer']) {
    await createUser(srv, role, role, `${role}-password-123`);
    const res = await request(srv.url).post(`/api/v1/users/${role}/tokens`).set(admin()).send({ name: 'test' }).expect(201);
    tokens[role] = res.body.token;
  }
});
afterAll(async () => srv.stop());

describe('stage assignments', () => {
  it('When a capable host is assigned stage, then its poll answers X-Kickstand-Action: stage with one key a line, digests in lowercase, and the host is provisioning', async () => {
    const { id, next, token } = await register();
    await request(srv.url).post(`/api/v1/hosts/${id}/assignment`).set(admin()).send(STAGE).expect(200);
    const res = await request(next).get('').set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.headers['x-kickstand-action']).toBe('stage');
    expect(res.text).toBe(
      [
        `kernel ${STAGE.kernel}`,
        `kernel_sha256 ${SHA_K.toLowerCase()}`,
        'kernel_size 13000000',
        `initrd ${STAGE.initrd}`,
        `initrd_sha256 ${SHA_I}`,
        'initrd_size 110000000',
        `append ${STAGE.append}`,
        '',
      ].join('\n'),
    );
    const host = (await request(srv.url).get(`/api/v1/hosts/${id}`).set(admin())).body;
    expect(host.state).toBe('provisioning');
    expect(host.events.at(-2)).toMatchObject({
      type: 'assigned',
      message: expect.stringMatching(/^stage http:\/\/mirror\.example\.com\/images\/pxeboot\/vmlinuz to the first disk as host-/),
    });
    expect(host.events.at(-1)).toMatchObject({ type: 'delivered', message: expect.stringMatching(/^stage answer delivered/) });
  });

  it('When stage_disk is given, then the answer names the disk before the append line', async () => {
    const { id, next, token } = await register();
    await request(srv.url)
      .post(`/api/v1/hosts/${id}/assignment`)
      .set(admin())
      .send({ ...STAGE, stage_disk: 'nvme0n1' })
      .expect(200);
    const res = await request(next).get('').set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.text).toContain('initrd_size 110000000\ndisk nvme0n1\nappend ');
  });

  it('When a field is wrong, then 400 VALIDATION names it and nothing is assigned', async () => {
    const { id } = await register();
    for (const [over, field] of [
      [{ kernel_sha256: 'abc' }, 'kernel_sha256'],
      [{ initrd_sha256: 'g'.repeat(64) }, 'initrd_sha256'],
      [{ kernel_size: 0 }, 'kernel_size'],
      [{ initrd_size: '110000000' }, 'initrd_size'],
      [{ initrd_size: 1.5 }, 'initrd_size'],
      [{ kernel: 'file:///etc/shadow' }, 'kernel'],
      [{ initrd: 'http://mirror/initrd img' }, 'initrd'],
      [{ append: 'quiet\nkernel http://evil/vmlinuz' }, 'append'],
      [{ stage_disk: '/dev/sda' }, 'stage_disk'],
      [{ stage_disk: 'sda;reboot' }, 'stage_disk'],
      [{ kernel_sha256: undefined }, 'kernel_sha256'],
      [{ initrd_size: undefined }, 'initrd_size'],
      [{ template: 'plain.ks.njk' }, 'template'],
    ] as const) {
      const res = await request(srv.url)
        .post(`/api/v1/hosts/${id}/assignment`)
        .set(admin())
        .send({ ...STAGE, ...over });
      expect(res.status, JSON.stringify(over)).toBe(400);
      expect(res.body.error, JSON.stringify(over)).toMatchObject({ code: 'VALIDATION', field });
    }
    expect((await request(srv.url).get(`/api/v1/hosts/${id}`).set(admin())).body.state).toBe('discovered');
  });

  it('When the host reported no stage tools, or no stage fact at all, then stage is refused naming what is missing', async () => {
    const lacking = await register(sampleFacts({ stage: { available: false, missing: ['efibootmgr', 'sgdisk or sfdisk'] } }));
    const res = await request(srv.url).post(`/api/v1/hosts/${lacking.id}/assignment`).set(admin()).send(STAGE);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'STAGE_UNAVAILABLE', field: 'action' });
    expect(res.body.error.message).toContain('missing efibootmgr, sgdisk or sfdisk');
    const old = await register(sampleFacts());
    const res2 = await request(srv.url).post(`/api/v1/hosts/${old.id}/assignment`).set(admin()).send(STAGE);
    expect(res2.body.error).toMatchObject({ code: 'STAGE_UNAVAILABLE' });
    expect(res2.body.error.message).toContain('no stage facts');
  });

  it('When a %pre reports a malformed stage fact, then the registration is refused naming it', async () => {
    const res = await request(srv.url)
      .post('/api/v1/discovery')
      .send(sampleFacts({ stage: { available: 'yes' } }));
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('stage.available');
  });
});

describe('stage profiles', () => {
  it('When a stage profile is saved and assigned, then the append line renders for the host and the answer carries the profile digests', async () => {
    await request(srv.url)
      .post('/api/v1/profiles')
      .set(admin())
      .send({ ...STAGE, name: 'rhel9-stage', append: 'inst.ks=http://192.0.2.10/ks.cfg hostname={{ host.hostname }}' })
      .expect(201);
    const { id, next, token } = await register();
    await request(srv.url)
      .post(`/api/v1/hosts/${id}/assignment`)
      .set(admin())
      .send({ profile: 'rhel9-stage', hostname: 'stg-01.example.com' })
      .expect(200);
    const res = await request(next).get('').set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.text).toContain(`kernel_sha256 ${SHA_K.toLowerCase()}\n`);
    expect(res.text).toMatch(/\nappend inst\.ks=http:\/\/192\.0\.2\.10\/ks\.cfg hostname=stg-01\.example\.com\n$/);
    const profile = (await request(srv.url).get('/api/v1/profiles/rhel9-stage').set(admin())).body;
    expect(profile).toMatchObject({ action: 'stage', kernel_sha256: SHA_K.toLowerCase(), kernel_size: 13_000_000, bootable: false });
  });

  it('When a stage profile lacks a digest or size, or its append line does not compile, then 400 names the field', async () => {
    for (const [over, field] of [
      [{ initrd_sha256: undefined }, 'initrd_sha256'],
      [{ kernel_size: -1 }, 'kernel_size'],
      [{ append: '{{ host.hostname ' }, 'append'],
    ] as const) {
      const res = await request(srv.url)
        .post('/api/v1/profiles')
        .set(admin())
        .send({ ...STAGE, name: 'bad-stage', ...over });
      expect(res.status, JSON.stringify(over)).toBe(400);
      expect(res.body.error.field, JSON.stringify(over)).toBe(field);
    }
  });

  it('When an author or a viewer creates a stage profile, then 403, as for kexec; an operator may', async () => {
    for (const role of ['author', 'viewer']) {
      for (const body of [
        { ...STAGE, name: `s-${role}` },
        { name: `k-${role}`, action: 'kexec', kernel: STAGE.kernel, initrd: STAGE.initrd },
      ]) {
        const res = await request(srv.url).post('/api/v1/profiles').set('Authorization', `Bearer ${tokens[role]}`).send(body);
        expect(res.status, `${role} ${body.action}`).toBe(403);
      }
    }
    await request(srv.url)
      .post('/api/v1/profiles')
      .set('Authorization', `Bearer ${tokens.operator}`)
      .send({ ...STAGE, name: 's-operator' })
      .expect(201);
    expect((await request(srv.url).get('/api/v1/profiles/s-author').set(admin())).status).toBe(404);
  });

  it("When a host's facts reach the append line, then the answer keeps them on the append line: no new key, no line break", async () => {
    await request(srv.url)
      .post('/api/v1/profiles')
      .set(admin())
      .send({ ...STAGE, name: 'stage-serial', append: 'serial={{ facts.dmi.serial }}' })
      .expect(201);
    const hostile = '$(reboot) `id`;kernel_sha256 ' + 'f'.repeat(64);
    const facts = capable();
    (facts.dmi as Record<string, string>).serial = hostile;
    const { id, next, token } = await register(facts);
    await request(srv.url).post(`/api/v1/hosts/${id}/assignment`).set(admin()).send({ profile: 'stage-serial' }).expect(200);
    const res = await request(next).get('').set('Authorization', `Bearer ${token}`).expect(200);
    const lines = res.text.split('\n');
    expect(lines.filter((l) => l.startsWith('kernel_sha256 '))).toEqual([`kernel_sha256 ${SHA_K.toLowerCase()}`]);
    expect(lines.at(-2)).toBe(`append serial=${hostile}`);

    // A newline smuggled in through the facts is refused at assignment, not sent.
    const facts2 = capable();
    (facts2.dmi as Record<string, string>).serial = 'x\ndisk sda';
    const second = await register(facts2);
    const res2 = await request(srv.url).post(`/api/v1/hosts/${second.id}/assignment`).set(admin()).send({ profile: 'stage-serial' });
    expect(res2.status).toBe(400);
    expect(res2.body.error.field).toBe('append');
  });
});

describe('iPXE after a stage', () => {
  const staged = async (mac: string, firmware: 'bios' | 'uefi') => {
    const reg = await register(capable({ boot_mac: mac, firmware: { type: firmware, secure_boot: false } }));
    await request(srv.url).post(`/api/v1/hosts/${reg.id}/assignment`).set(admin()).send(STAGE).expect(200);
    await request(reg.next).get('').set('Authorization', `Bearer ${reg.token}`).expect(200);
    return reg;
  };

  it('When a staged BIOS host chains iPXE with its MAC, then it is told to boot the local disk once; the next chain is discovery', async () => {
    const mac = '52:54:00:00:5a:01';
    const { id } = await staged(mac, 'bios');
    const first = await request(srv.url).get(`/boot/ipxe?mac=${mac}`).expect(200);
    expect(first.text).toBe(
      '#!ipxe\necho Kickstand: booting the installer staged on the local disk\nsanboot --no-describe --drive 0x80 || exit\n',
    );
    const host = (await request(srv.url).get(`/api/v1/hosts/${id}`).set(admin())).body;
    expect(host.state).toBe('provisioning');
    expect(host.events.at(-1)).toMatchObject({
      type: 'local-boot',
      actor: 'machine',
      message: expect.stringContaining('boot the local disk'),
    });
    expect((await request(srv.url).get(`/boot/ipxe?mac=${mac}`).expect(200)).text).toContain('inst.ks=');
  });

  it('When the request does not come from the machine, or the host is UEFI (BootNext does it), then the discovery script is served and nothing is recorded', async () => {
    const mac = '52:54:00:00:5a:02';
    const { id } = await staged(mac, 'bios');
    const stored = await srv.running.deps.store.hosts.get(id);
    await srv.running.deps.store.hosts.save({ ...stored!, last_seen_ip: '192.0.2.99', summary: { ...stored!.summary, ip: '192.0.2.98' } });
    expect((await request(srv.url).get(`/boot/ipxe?mac=${mac}`).expect(200)).text).toContain('inst.ks=');
    expect((await request(srv.url).get(`/api/v1/hosts/${id}`).set(admin())).body.events.at(-1).type).toBe('delivered');

    const uefiMac = '52:54:00:00:5a:03';
    const uefi = await staged(uefiMac, 'uefi');
    expect((await request(srv.url).get(`/boot/ipxe?mac=${uefiMac}`).expect(200)).text).toContain('inst.ks=');
    expect((await request(srv.url).get(`/api/v1/hosts/${uefi.id}`).set(admin())).body.events.at(-1).type).toBe('delivered');
  });

  it('When a staged host boots into discovery again, then it is treated as a kexec would be: a claim, and failed once released', async () => {
    const mac = '52:54:00:00:5a:04';
    const facts = capable({ boot_mac: mac });
    const first = await request(srv.url).post('/api/v1/discovery').send(facts).expect(201);
    await request(srv.url).post(`/api/v1/hosts/${first.body.id}/assignment`).set(admin()).send(STAGE).expect(200);
    await request(first.body.next).get('').set('Authorization', `Bearer ${first.body.token}`).expect(200);
    const again = await request(srv.url).post('/api/v1/discovery').send(facts).expect(200);
    expect((await request(again.body.next).get('').set('Authorization', `Bearer ${again.body.token}`)).status).toBe(409);
    await request(srv.url).post(`/api/v1/hosts/${first.body.id}/conflict/release`).set(admin()).expect(200);
    const host = (await request(srv.url).get(`/api/v1/hosts/${first.body.id}`).set(admin())).body;
    expect(host.state).toBe('failed');
    expect(host.events.at(-1).message).toContain('(stage answer delivered)');
  });
});
