// The v1 HTTP contract machines and admins build on: every status, header and error shape.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomMac, sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });

async function register(facts: object = sampleFacts()) {
  const res = await request(srv.url).post('/api/v1/discovery').send(facts);
  expect([200, 201]).toContain(res.status);
  return res.body as { id: string; token: string; next: string };
}

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts'), pollInterval: 7 });
});
afterAll(async () => srv.stop());

describe('GET /ks', () => {
  it('When a machine fetches the stub, then it gets 200 text/plain naming this server', async () => {
    const res = await request(srv.url).get('/ks');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain(`fixture stub for ${srv.url}`);
  });

  it('When dracut sends its MAC and serial headers, then they are recorded on the host that registers', async () => {
    const mac = randomMac();
    await request(srv.url)
      .get('/ks')
      .set('X-RHN-Provisioning-MAC-0', `eno1 ${mac.toUpperCase()}`)
      .set('X-System-Serial-Number', 'SN-FROM-DRACUT')
      .set('X-Anaconda-System-Release', 'Rocky Linux')
      .expect(200);
    const facts = sampleFacts({ boot_mac: mac });
    (facts.dmi as Record<string, string>).serial = 'To be filled by O.E.M.';
    const { id } = await register(facts);
    const host = (await request(srv.url).get(`/api/v1/hosts/${id}`).set(admin())).body;
    expect(host.serial).toBe('SN-FROM-DRACUT');
    expect(host.events.map((e: { type: string }) => e.type)).toEqual(['stub-fetched', 'discovered']);
    expect(host.events[0].message).toContain('Rocky Linux');
  });

  it('When a known machine fetches the stub again, then its timeline shows it', async () => {
    const facts = sampleFacts();
    const { id } = await register(facts);
    await request(srv.url).get('/ks').set('X-RHN-Provisioning-MAC-0', `eno1 ${facts.boot_mac}`).expect(200);
    await expect
      .poll(async () => (await request(srv.url).get(`/api/v1/hosts/${id}`).set(admin())).body.events.at(-1).type)
      .toBe('stub-fetched');
  });
});

describe('POST /api/v1/discovery', () => {
  it('When a new machine registers, then 201 with id, token and an absolute next URL', async () => {
    const res = await request(srv.url).post('/api/v1/discovery').send(sampleFacts());
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^[a-z2-7]{12}$/);
    expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(res.body.next).toBe(`${srv.url}/api/v1/discovery/${res.body.id}/next`);
  });

  it('When the same machine registers again, then 200, the same id, refreshed facts and a new token', async () => {
    const facts = sampleFacts();
    const first = await register(facts);
    const again = await request(srv.url)
      .post('/api/v1/discovery')
      .send({ ...facts, memory_mib: 1024 });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.id);
    expect(again.body.token).not.toBe(first.token);
    const host = (await request(srv.url).get(`/api/v1/hosts/${first.id}`).set(admin())).body;
    expect(host.facts.memory_mib).toBe(1024);
    // The old token died with the new registration.
    await request(srv.url).get(`/api/v1/discovery/${first.id}/next`).set('Authorization', `Bearer ${first.token}`).expect(401);
    await request(srv.url).get(`/api/v1/discovery/${first.id}/next`).set('Authorization', `Bearer ${again.body.token}`).expect(202);
  });

  it('When a machine boots from another NIC but has the same real DMI UUID, then it is the same host', async () => {
    const facts = sampleFacts();
    const first = await register(facts);
    const other = randomMac();
    const res = await request(srv.url)
      .post('/api/v1/discovery')
      .send({ ...facts, boot_mac: other, nics: [{ name: 'eno2', mac: other }] });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(first.id);
  });

  it('When two machines share a placeholder DMI UUID, then they stay two hosts', async () => {
    const placeholder = '03000200-0400-0500-0006-000700080009';
    const a = sampleFacts();
    const b = sampleFacts();
    (a.dmi as Record<string, string>).uuid = placeholder;
    (b.dmi as Record<string, string>).uuid = placeholder.toUpperCase();
    const ra = await request(srv.url).post('/api/v1/discovery').send(a);
    const rb = await request(srv.url).post('/api/v1/discovery').send(b);
    expect([ra.status, rb.status]).toEqual([201, 201]);
    expect(ra.body.id).not.toBe(rb.body.id);
  });

  it('When one machine registers 30 times at once, then exactly one host exists for it', async () => {
    const facts = sampleFacts();
    const results = await Promise.all(Array.from({ length: 30 }, () => request(srv.url).post('/api/v1/discovery').send(facts)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const hosts = (await request(srv.url).get('/api/v1/hosts').set(admin())).body.hosts;
    expect(hosts.filter((h: { boot_mac: string }) => h.boot_mac === facts.boot_mac)).toHaveLength(1);
  });

  it('When a registration is acknowledged, then it is already in the hosts journal', async () => {
    const { id } = await register();
    const lines = (await readFile(path.join(srv.dataDir, 'hosts.jsonl'), 'utf-8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.some((r) => r.h?.id === id)).toBe(true);
    const facts = lines.find((r) => r.fid === id)?.f;
    expect(facts.nics).toHaveLength(2);
  });

  it('When MACs arrive in upper case, then they are stored in one spelling', async () => {
    const facts = sampleFacts();
    const upper = { ...facts, boot_mac: facts.boot_mac.toUpperCase() };
    const { id } = await register(upper);
    const again = await request(srv.url).post('/api/v1/discovery').send(facts);
    expect(again.body.id).toBe(id);
  });
});

describe('Bad input never writes and always names the field', () => {
  const cases: [string, () => request.Test, number, string, string | undefined][] = [
    [
      'malformed JSON',
      () => request(srv.url).post('/api/v1/discovery').set('Content-Type', 'application/json').send('{"boot_mac": '),
      400,
      'BAD_JSON',
      'body',
    ],
    [
      'not JSON',
      () => request(srv.url).post('/api/v1/discovery').set('Content-Type', 'text/plain').send('hello'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'content-type',
    ],
    ['no body', () => request(srv.url).post('/api/v1/discovery'), 415, 'UNSUPPORTED_MEDIA_TYPE', 'content-type'],
    ['a JSON array', () => request(srv.url).post('/api/v1/discovery').send([1, 2]), 400, 'VALIDATION', undefined],
    [
      'an invalid boot MAC',
      () =>
        request(srv.url)
          .post('/api/v1/discovery')
          .send(sampleFacts({ boot_mac: 'not-a-mac' })),
      400,
      'VALIDATION',
      'boot_mac',
    ],
    [
      'an invalid NIC MAC',
      () =>
        request(srv.url)
          .post('/api/v1/discovery')
          .send(sampleFacts({ nics: [{ name: 'eth0', mac: '00:11:22:33:44' }] })),
      400,
      'VALIDATION',
      'nics[0].mac',
    ],
    [
      'a wrong type',
      () =>
        request(srv.url)
          .post('/api/v1/discovery')
          .send(sampleFacts({ memory_mib: 'lots' })),
      400,
      'VALIDATION',
      'memory_mib',
    ],
    [
      'an unknown field',
      () =>
        request(srv.url)
          .post('/api/v1/discovery')
          .send(sampleFacts({ owner: 'me' })),
      400,
      'VALIDATION',
      'owner',
    ],
    [
      'a missing required field',
      () => request(srv.url).post('/api/v1/discovery').send({ boot_mac: randomMac() }),
      400,
      'VALIDATION',
      'nics',
    ],
    [
      'an oversized string',
      () =>
        request(srv.url)
          .post('/api/v1/discovery')
          .send(sampleFacts({ hostname: 'x'.repeat(300) })),
      400,
      'VALIDATION',
      'hostname',
    ],
    [
      'too many NICs',
      () =>
        request(srv.url)
          .post('/api/v1/discovery')
          .send(sampleFacts({ nics: Array.from({ length: 65 }, (_, i) => ({ name: `e${i}`, mac: randomMac() })) })),
      400,
      'VALIDATION',
      'nics',
    ],
    [
      'a NIC name with shell in it',
      () =>
        request(srv.url)
          .post('/api/v1/discovery')
          .send(sampleFacts({ nics: [{ name: 'eth0;reboot', mac: randomMac() }] })),
      400,
      'VALIDATION',
      'nics[0].name',
    ],
    [
      'a body over the limit',
      () =>
        request(srv.url)
          .post('/api/v1/discovery')
          .send(sampleFacts({ kernel: { cmdline: 'x'.repeat(300 * 1024) } })),
      413,
      'BODY_TOO_LARGE',
      'body',
    ],
  ];

  it.each(cases)('When the body is %s, then a 4xx error naming the field and nothing stored', async (_name, send, status, code, field) => {
    const file = path.join(srv.dataDir, 'hosts.jsonl');
    const before = await readFile(file, 'utf-8').catch(() => '');
    const hostsBefore = (await request(srv.url).get('/api/v1/hosts').set(admin())).body.hosts.length;
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    if (field) expect(res.body.error.field).toBe(field);
    if (field) expect(res.body.error.message).toContain(field === 'body' || field === 'content-type' ? '' : field);
    expect((await request(srv.url).get('/api/v1/hosts').set(admin())).body.hosts.length).toBe(hostsBefore);
    expect(await readFile(file, 'utf-8').catch(() => '')).toBe(before);
  });
});

describe('GET /api/v1/discovery/{id}/next', () => {
  it('When the host is unassigned, then 202 with Retry-After', async () => {
    const { next, token } = await register();
    const res = await request(next).get('').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(202);
    expect(res.headers['retry-after']).toBe('7');
  });

  it("When the token is wrong, missing, or another host's, then 401 and the same body as for an unknown host", async () => {
    const a = await register();
    const b = await register();
    const poll = (id: string, token?: string) => {
      const r = request(srv.url).get(`/api/v1/discovery/${id}/next`);
      return token ? r.set('Authorization', `Bearer ${token}`) : r;
    };
    const responses = await Promise.all([poll(a.id, b.token), poll(a.id), poll(a.id, 'x'.repeat(22)), poll('nosuchhost12', a.token)]);
    for (const res of responses) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual(responses[0].body);
      expect(JSON.stringify(res.body)).not.toContain(a.id);
    }
  });

  it('When assigned a kickstart, then 200 with X-Kickstand-Action and the rendered text, and the host is provisioning', async () => {
    const facts = sampleFacts();
    const { id, next, token } = await register(facts);
    await request(srv.url)
      .post(`/api/v1/hosts/${id}/assignment`)
      .set(admin())
      .send({ action: 'kickstart', template: 'plain.ks.njk', hostname: `n-${id}.example.com` })
      .expect(200);
    const res = await request(next).get('').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.headers['x-kickstand-action']).toBe('kickstart');
    expect(res.text).toBe(
      `# plain fixture for ${id}\nnetwork --bootproto=dhcp --device=${facts.boot_mac} --hostname=n-${id}.example.com\n%post\necho 'ABC1234'\n%end\n`,
    );
    const preview = await request(srv.url).get(`/api/v1/hosts/${id}/kickstart`).set(admin());
    expect(preview.text).toBe(res.text);
    const host = (await request(srv.url).get(`/api/v1/hosts/${id}`).set(admin())).body;
    expect(host.state).toBe('provisioning');
    expect(host.events.at(-1)).toMatchObject({ type: 'delivered', ip: '127.0.0.1' });
  });

  it('When assigned kexec, then the body is three key-value lines', async () => {
    const { id, next, token } = await register();
    await request(srv.url)
      .post(`/api/v1/hosts/${id}/assignment`)
      .set(admin())
      .send({
        action: 'kexec',
        kernel: 'http://127.0.0.1/vmlinuz',
        initrd: 'http://127.0.0.1/initrd.gz',
        append: 'auto=true priority=critical url=http://127.0.0.1/preseed.cfg',
      })
      .expect(200);
    const res = await request(next).get('').set('Authorization', `Bearer ${token}`);
    expect(res.headers['x-kickstand-action']).toBe('kexec');
    expect(res.text).toBe(
      'kernel http://127.0.0.1/vmlinuz\ninitrd http://127.0.0.1/initrd.gz\nappend auto=true priority=critical url=http://127.0.0.1/preseed.cfg\n',
    );
  });

  it('When assigned reboot, then 200 with X-Kickstand-Action: reboot', async () => {
    const { id, next, token } = await register();
    await request(srv.url).post(`/api/v1/hosts/${id}/assignment`).set(admin()).send({ action: 'reboot' }).expect(200);
    const res = await request(next).get('').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.headers['x-kickstand-action']).toBe('reboot');
  });
});

describe('Admin API', () => {
  it('When a request carries no or a wrong admin token, then every admin route answers 401', async () => {
    const { id } = await register();
    const routes: [string, string][] = [
      ['get', '/api/v1/hosts'],
      ['get', `/api/v1/hosts/${id}`],
      ['post', `/api/v1/hosts/${id}/assignment`],
      ['get', `/api/v1/hosts/${id}/kickstart`],
      ['delete', `/api/v1/hosts/${id}`],
    ];
    for (const [method, url] of routes) {
      for (const auth of [undefined, 'Bearer wrong-token-wrong-token', `Bearer ${srv.adminToken}x`, srv.adminToken]) {
        let r = (request(srv.url) as unknown as Record<string, (u: string) => request.Test>)[method]!(url);
        if (auth) r = r.set('Authorization', auth);
        const res = await r;
        expect(res.status, `${method} ${url} with ${auth}`).toBe(401);
      }
    }
  });

  it('When a host is listed, then its token hash is not shown', async () => {
    await register();
    const res = await request(srv.url).get('/api/v1/hosts').set(admin());
    expect(res.status).toBe(200);
    expect(res.body.hosts.length).toBeGreaterThan(0);
    expect(JSON.stringify(res.body)).not.toContain('token_hash');
  });

  const assignmentErrors: [string, object, number, string, string][] = [
    ['an unknown action', { action: 'format-disks' }, 400, 'VALIDATION', 'action'],
    ['no action', { template: 'plain.ks.njk' }, 400, 'VALIDATION', 'action'],
    ['an unknown template', { action: 'kickstart', template: 'nope.ks.njk' }, 400, 'TEMPLATE_NOT_FOUND', 'template'],
    ['a template path that escapes', { action: 'kickstart', template: '../../etc/passwd' }, 400, 'VALIDATION', 'template'],
    ['an absolute template path', { action: 'kickstart', template: '/etc/passwd' }, 400, 'VALIDATION', 'template'],
    ['a template missing a param', { action: 'kickstart', template: 'needs-param.ks.njk' }, 400, 'TEMPLATE_RENDER', 'template'],
    ['an invalid hostname', { action: 'reboot', hostname: 'bad_name!' }, 400, 'VALIDATION', 'hostname'],
    ['a kexec without kernel', { action: 'kexec', initrd: 'http://127.0.0.1/i' }, 400, 'VALIDATION', 'kernel'],
    [
      'a kexec kernel that is not http',
      { action: 'kexec', kernel: 'file:///etc/shadow', initrd: 'http://127.0.0.1/i' },
      400,
      'VALIDATION',
      'kernel',
    ],
    [
      'an append line with a newline',
      { action: 'kexec', kernel: 'http://127.0.0.1/k', initrd: 'http://127.0.0.1/i', append: 'a\nkernel http://evil' },
      400,
      'VALIDATION',
      'append',
    ],
    ['a field of another action', { action: 'reboot', template: 'plain.ks.njk' }, 400, 'VALIDATION', 'template'],
    ['params that are not an object', { action: 'kickstart', template: 'plain.ks.njk', params: 'x' }, 400, 'VALIDATION', 'params'],
  ];

  it.each(assignmentErrors)(
    'When the assignment has %s, then it is refused naming the field and the host is unchanged',
    async (_n, body, status, code, field) => {
      const { id } = await register();
      const before = (await request(srv.url).get(`/api/v1/hosts/${id}`).set(admin())).body;
      const res = await request(srv.url).post(`/api/v1/hosts/${id}/assignment`).set(admin()).send(body);
      expect(res.status).toBe(status);
      expect(res.body.error).toMatchObject({ code, field });
      const after = (await request(srv.url).get(`/api/v1/hosts/${id}`).set(admin())).body;
      expect(after).toEqual(before);
    },
  );

  it('When a template needs a missing param, then the error names the template line', async () => {
    const { id } = await register();
    const res = await request(srv.url)
      .post(`/api/v1/hosts/${id}/assignment`)
      .set(admin())
      .send({ action: 'kickstart', template: 'needs-param.ks.njk' });
    expect(res.body.error.message).toMatch(/^params\.repo is undefined at needs-param\.ks\.njk:2$/);
  });

  it('When a host reported no kexec, then a kexec assignment is refused naming the action', async () => {
    const { id } = await register(sampleFacts({ kexec: { available: false } }));
    const res = await request(srv.url)
      .post(`/api/v1/hosts/${id}/assignment`)
      .set(admin())
      .send({ action: 'kexec', kernel: 'http://127.0.0.1/k', initrd: 'http://127.0.0.1/i' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'KEXEC_UNAVAILABLE', field: 'action' });
  });

  it('When a hostname is already used by another host, then 409 naming hostname', async () => {
    const a = await register();
    const b = await register();
    await request(srv.url)
      .post(`/api/v1/hosts/${a.id}/assignment`)
      .set(admin())
      .send({ action: 'reboot', hostname: `dup-${a.id}.example.com` })
      .expect(200);
    const res = await request(srv.url)
      .post(`/api/v1/hosts/${b.id}/assignment`)
      .set(admin())
      .send({ action: 'reboot', hostname: `DUP-${a.id}.example.com` });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'HOSTNAME_TAKEN', field: 'hostname' });
  });

  it('When the host does not exist, then 404', async () => {
    const res = await request(srv.url).post('/api/v1/hosts/nosuchhost12/assignment').set(admin()).send({ action: 'reboot' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('HOST_NOT_FOUND');
  });

  it('When a host is deleted, then it is gone, its token is dead, and a second delete is 404', async () => {
    const { id, token } = await register();
    await request(srv.url).delete(`/api/v1/hosts/${id}`).set(admin()).expect(204);
    await request(srv.url).get(`/api/v1/hosts/${id}`).set(admin()).expect(404);
    await request(srv.url).get(`/api/v1/discovery/${id}/next`).set('Authorization', `Bearer ${token}`).expect(401);
    await request(srv.url).delete(`/api/v1/hosts/${id}`).set(admin()).expect(404);
  });

  it('When an unknown route is called, then a JSON 404', async () => {
    const res = await request(srv.url).get('/api/v1/nothing');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('Logs', () => {
  it('When a whole flow runs, then no token appears in any log line, every request but the polls has one line at info, and the delivery is logged as a state change', async () => {
    const before = srv.logs.length;
    const { id, token } = await register();
    await request(srv.url).get(`/api/v1/discovery/${id}/next`).set('Authorization', `Bearer ${token}`);
    await request(srv.url).post(`/api/v1/hosts/${id}/assignment`).set(admin()).send({ action: 'reboot' });
    await request(srv.url).get(`/api/v1/discovery/${id}/next`).set('Authorization', `Bearer ${token}`);
    // Answered polls (202, 200) are logged at debug only; the delivery is the "host state changed" line
    // below (src/http/fast-poll.ts).
    await expect
      .poll(() =>
        srv.logs
          .slice(before)
          .filter((l) => l.msg === 'request')
          .map((l) => l.status),
      )
      .toEqual([201, 200]);
    const text = JSON.stringify(srv.logs);
    expect(text).not.toContain(token);
    expect(text).not.toContain(srv.adminToken);
    const changes = srv.logs.slice(before).filter((l) => l.msg === 'host state changed');
    expect(changes.map((l) => l.to)).toEqual(['discovered', 'assigned', 'provisioning']);
  });
});

describe('OpenAPI', () => {
  it('When the document is fetched, then it carries the same facts schema ajv enforces', async () => {
    const { factsSchema } = await import('../../src/schemas/facts.js');
    const res = await request(srv.url).get('/api/v1/openapi.json').expect(200);
    expect(res.body.openapi).toBe('3.1.0');
    const { $id: _id, ...expected } = factsSchema;
    expect(res.body.components.schemas.Facts).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/ks', '/api/v1/discovery', '/api/v1/discovery/{id}/next', '/api/v1/hosts/{id}/assignment']),
    );
  });
});
