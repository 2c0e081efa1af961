// GET /boot/{format} and `kickstand boot-config` print the same entries; iPXE with ?mac= sends a host
// assigned to kexec straight to its installer; the stub downloads as a file; a boot entry's
// kickstand.profile= assigns that (bootable) profile on discovery when auto-provisioning is on.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';

const run = promisify(execFile);
let srv: TestServer;
const admin = (r: request.Test) => r.set('Authorization', `Bearer ${srv.adminToken}`);

/** A machine registered with this boot MAC and assigned the kexec profile `to-debian`. */
async function kexecAssigned(mac: string): Promise<{ id: string; token: string }> {
  const reg = (
    await request(srv.url)
      .post('/api/v1/discovery')
      .send(sampleFacts({ boot_mac: mac }))
      .expect(201)
  ).body as {
    id: string;
    token: string;
  };
  await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/assignment`))
    .send({ profile: 'to-debian' })
    .expect(200);
  return reg;
}

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts'), publicUrl: 'http://192.0.2.10:8080' });
  await admin(request(srv.url).post('/api/v1/installers'))
    .send({ name: 'rhel9', family: 'rhel', version: '9.4', repo: 'http://mirror.example.com/rhel9/BaseOS/x86_64/os' })
    .expect(201);
  await admin(request(srv.url).post('/api/v1/profiles'))
    .send({ name: 'el9-web', action: 'kickstart', template: 'plain.ks.njk', bootable: true })
    .expect(201);
  await admin(request(srv.url).post('/api/v1/profiles'))
    .send({
      name: 'to-debian',
      action: 'kexec',
      kernel: 'http://192.0.2.30/debian/linux',
      initrd: 'http://192.0.2.30/debian/initrd.gz',
      append: 'auto=true priority=critical url=http://192.0.2.30/preseed.cfg',
    })
    .expect(201);
});
afterAll(async () => srv.stop());

describe('GET /boot/{format}', () => {
  it('When each format is asked for an installer and a profile, then it is text with this server’s URL, and no credentials were needed', async () => {
    for (const format of ['pxelinux', 'grub', 'ipxe', 'cmdline', 'dvd']) {
      const res = await request(srv.url).get(`/boot/${format}?installer=rhel9&profile=el9-web`).expect(200);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.text).toContain('inst.ks=http://192.0.2.10:8080/ks');
      if (format !== 'dvd') expect(res.text).toContain('inst.repo=http://mirror.example.com/rhel9/BaseOS/x86_64/os');
      expect(res.text).toContain('kickstand.profile=el9-web');
    }
  });

  it('When a reference is wrong, then 4xx naming the field', async () => {
    expect((await request(srv.url).get('/boot/ipxe?installer=nope').expect(404)).body.error.field).toBe('installer');
    // An unknown profile is not a wrong reference for anonymous callers: they get the line as asked,
    // so the open routes cannot tell which profile names exist (test/security/boot-profile.test.ts).
    expect((await request(srv.url).get('/boot/grub?profile=nope').expect(200)).text).toContain('kickstand.profile=nope');
    expect((await request(srv.url).get('/boot/grub?profile=no%20pe').expect(400)).body.error.field).toBe('profile');
    expect((await request(srv.url).get('/boot/grub?repo=http%3A%2F%2Fx%2F%24(reboot)').expect(400)).body.error.field).toBe('repo');
    expect((await request(srv.url).get('/boot/grub?repo=http%3A%2F%2Fx%2F&installer=rhel9').expect(400)).body.error.field).toBe('repo');
    expect((await request(srv.url).get('/boot/syslinux').expect(404)).body.error.field).toBe('format');
  });

  it('When iPXE chains with the MAC of a host assigned to kexec, then it boots that installer directly and the host is provisioning; any other MAC gets discovery', async () => {
    const mac = '52:54:00:00:2b:01';
    const reg = await kexecAssigned(mac);
    const direct = await request(srv.url)
      .get(`/boot/ipxe?mac=${mac.replace(/:/g, '-').toUpperCase()}`)
      .expect(200);
    expect(direct.text).toBe(
      '#!ipxe\nkernel http://192.0.2.30/debian/linux initrd=initrd.img auto=true priority=critical url=http://192.0.2.30/preseed.cfg\ninitrd --name initrd.img http://192.0.2.30/debian/initrd.gz\nboot\n',
    );
    const host = (await admin(request(srv.url).get(`/api/v1/hosts/${reg.id}`)).expect(200)).body;
    expect(host.state).toBe('provisioning');
    expect(host.events.at(-1).message).toMatch(/by iPXE, which booted the kernel directly/);
    // Delivered once: the next chain (a reboot) is discovery again.
    expect((await request(srv.url).get(`/boot/ipxe?mac=${mac}`).expect(200)).text).toContain('inst.ks=http://192.0.2.10:8080/ks');
    expect((await request(srv.url).get('/boot/ipxe?mac=02:00:00:00:00:99').expect(200)).text).toContain('BOOTIF=01-${netX/mac:hexhyp}');
    expect((await request(srv.url).get('/boot/ipxe?mac=not-a-mac').expect(200)).text).toContain('inst.ks=');
  });
});

describe('GET /boot/ipxe?mac= from somewhere else', () => {
  it('When ?mac= names a kexec-assigned host but the request does not come from that machine’s last-seen or reported IP, then discovery is served and the host stays assigned', async () => {
    const mac = '52:54:00:00:2b:04';
    const reg = await kexecAssigned(mac);
    // Tests talk from 127.0.0.1: move the machine elsewhere (its facts report 192.0.2.50).
    const stored = await srv.running.deps.store.hosts.get(reg.id);
    await srv.running.deps.store.hosts.save({ ...stored!, last_seen_ip: '192.0.2.99' });
    const probe = await request(srv.url).get(`/boot/ipxe?mac=${mac}`).expect(200);
    expect(probe.text).toContain('inst.ks=http://192.0.2.10:8080/ks');
    expect(probe.text).not.toContain('debian');
    const host = (await admin(request(srv.url).get(`/api/v1/hosts/${reg.id}`)).expect(200)).body;
    expect(host.state).toBe('assigned');
    expect(host.events.at(-1).type).toBe('assigned');
    // From the machine's own address it is delivered.
    await srv.running.deps.store.hosts.save({ ...(await srv.running.deps.store.hosts.get(reg.id))!, last_seen_ip: '127.0.0.1' });
    expect((await request(srv.url).get(`/boot/ipxe?mac=${mac}`).expect(200)).text).toContain('kernel http://192.0.2.30/debian/linux');
    expect((await admin(request(srv.url).get(`/api/v1/hosts/${reg.id}`)).expect(200)).body.state).toBe('provisioning');
  });
});

describe('the stub as a file', () => {
  it('When /ks?download=1 is fetched, then the same stub comes as an attachment', async () => {
    const plain = await request(srv.url).get('/ks').expect(200);
    const file = await request(srv.url).get('/ks?download=1').expect(200);
    expect(file.headers['content-disposition']).toBe('attachment; filename="kickstand-stub.ks"');
    expect(file.text).toBe(plain.text);
  });
});

describe('kickstand.profile= on the kernel command line', () => {
  it('When auto-provisioning is on and the boot entry names a profile, then the host gets it at discovery; when it is off, the host waits', async () => {
    const facts = (mac: string) =>
      sampleFacts({
        boot_mac: mac,
        kernel: { release: '5.14.0', cmdline: 'BOOT_IMAGE=vmlinuz ip=dhcp inst.ks=http://192.0.2.10:8080/ks kickstand.profile=el9-web' },
      });
    const off = (await request(srv.url).post('/api/v1/discovery').send(facts('52:54:00:00:2b:02')).expect(201)).body;
    expect((await admin(request(srv.url).get(`/api/v1/hosts/${off.id}`))).body.state).toBe('discovered');
    await admin(request(srv.url).patch('/api/v1/settings')).send({ auto_provision: true }).expect(200);
    const on = (await request(srv.url).post('/api/v1/discovery').send(facts('52:54:00:00:2b:03')).expect(201)).body;
    const host = (await admin(request(srv.url).get(`/api/v1/hosts/${on.id}`))).body;
    expect(host.state).toBe('assigned');
    expect(host.assignment).toMatchObject({ profile: 'el9-web', template: 'plain.ks.njk' });
    expect(host.events.at(-1)).toMatchObject({ type: 'assigned', actor: 'boot-entry' });
    await admin(request(srv.url).patch('/api/v1/settings')).send({ auto_provision: false }).expect(200);
  });
});

describe('kickstand boot-config', () => {
  const cli = async (args: string[], env: Record<string, string> = {}) => {
    try {
      const r = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', 'boot-config', ...args], {
        env: { ...process.env, KICKSTAND_DATA: srv.dataDir, KICKSTAND_TEMPLATES: srv.templatesDir, ...env },
        encoding: 'utf-8',
      });
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout, err: x.stderr };
    }
  };

  it('When run beside the service, then it prints exactly what GET /boot/{format} serves', async () => {
    for (const format of ['grub', 'dvd']) {
      const r = await cli(['--format', format, '--installer', 'rhel9', '--profile', 'el9-web', '--url', 'http://192.0.2.10:8080']);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toBe((await request(srv.url).get(`/boot/${format}?installer=rhel9&profile=el9-web`)).text);
    }
  });

  it('When something is missing or wrong, then it says what, with the usage or the field', async () => {
    const noUrl = await cli(['--format', 'grub'], { KICKSTAND_URL: '' });
    expect(noUrl.code).toBe(2);
    expect(noUrl.err).toContain('--url');
    const bad = await cli(['--format', 'grub', '--installer', 'nope', '--url', 'http://192.0.2.10:8080']);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('kickstand: no installer named "nope"\n');
    expect((await cli(['--format', 'lilo', '--url', 'http://192.0.2.10:8080'])).err).toContain(
      'format must be one of pxelinux, grub, ipxe, cmdline, dvd',
    );
  });
});
