// Tags through the real service: free tags (PUT, PATCH, bulk) with their attacks (roles, bad names,
// prototype keys, the cap; nothing stored changes on a refusal), tag definitions (roles, bad and
// hostile expressions), automatic tags re-evaluated when the same machine registers again with or
// without a GPU and when a definition changes, and the `tags` path used by a rule at auto-provision
// (through the real registration) and by the hosts filter.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomMac, sampleFacts } from '../support/facts.js';
import { createUser } from '../support/sessions.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { reevaluationSettled } from '../../src/tags/auto-tags.js';
import { MAX_TAGS_PER_HOST } from '../../src/tags/tag.js';

const GPU = {
  slot: '0000:3b:00.0',
  class: '3D controller',
  class_id: '0302',
  vendor: 'NVIDIA Corporation',
  vendor_id: '10de',
  device: 'GA100 [A100 PCIe 40GB]',
  device_id: '20f1',
};
const NIC = { slot: '0000:18:00.0', class: 'Ethernet controller', class_id: '0200', vendor: 'Intel Corporation', vendor_id: '8086' };

let srv: TestServer;
const tokens: Record<string, string> = {};
const as = (role: string) => ({ Authorization: `Bearer ${role === 'admin' ? srv.adminToken : tokens[role]!}` });
const api = () => request(srv.url);
const settled = () => reevaluationSettled(srv.running.deps);

async function register(facts: object): Promise<string> {
  const res = await api().post('/api/v1/discovery').send(facts);
  expect([200, 201]).toContain(res.status);
  return (res.body as { id: string }).id;
}
const host = async (id: string) => (await api().get(`/api/v1/hosts/${id}`).set(as('viewer')).expect(200)).body;
const where = async (expr: string) =>
  ((await api().get('/api/v1/hosts').query({ where: expr }).set(as('viewer')).expect(200)).body.hosts as { id: string }[])
    .map((h) => h.id)
    .sort();

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  for (const role of ['operator', 'author', 'viewer']) {
    await createUser(srv, role, role, `${role}-password-123`);
    tokens[role] = (await api().post(`/api/v1/users/${role}/tokens`).set(as('admin')).send({ name: 'test' }).expect(201)).body.token;
  }
});
afterAll(async () => {
  await settled();
  await srv.stop();
});

describe('free tags API', () => {
  it('When an operator puts and patches tags, then the host has them once and sorted, on its timeline and in the audit', async () => {
    const id = await register(sampleFacts());
    const put = await api()
      .put(`/api/v1/hosts/${id}/tags`)
      .set(as('operator'))
      .send({ tags: ['rack-12', 'db', 'db'] })
      .expect(200);
    expect(put.body).toEqual({ id, tags: ['db', 'rack-12'], auto_tags: [] });
    const patch = await api()
      .patch(`/api/v1/hosts/${id}/tags`)
      .set(as('admin'))
      .send({ add: ['spare'], remove: ['db'] })
      .expect(200);
    expect(patch.body.tags).toEqual(['rack-12', 'spare']);
    const detail = await host(id);
    expect(detail.tags).toEqual(['rack-12', 'spare']);
    expect(detail.events.at(-1)).toMatchObject({ type: 'tags-changed', actor: 'admin-token', message: 'tags +spare −db' });
    const trail = await api().get('/api/v1/audit').query({ action: 'host.tags' }).set(as('admin')).expect(200);
    expect(trail.body.entries.map((e: { actor: string; detail: string }) => `${e.actor} ${e.detail}`)).toEqual([
      'admin-token +spare −db',
      'operator +db +rack-12',
    ]);
    expect(await where('"rack-12" in tags')).toContain(id);
  });

  it('When a viewer or an author changes tags, then 403 and nothing changes', async () => {
    const id = await register(sampleFacts());
    await api()
      .put(`/api/v1/hosts/${id}/tags`)
      .set(as('operator'))
      .send({ tags: ['keep'] })
      .expect(200);
    for (const role of ['viewer', 'author']) {
      await api()
        .put(`/api/v1/hosts/${id}/tags`)
        .set(as(role))
        .send({ tags: ['evil'] })
        .expect(403);
      await api()
        .patch(`/api/v1/hosts/${id}/tags`)
        .set(as(role))
        .send({ add: ['evil'] })
        .expect(403);
      await api()
        .post('/api/v1/hosts/tags')
        .set(as(role))
        .send({ ids: [id], add: ['evil'] })
        .expect(403);
      await api()
        .post('/api/v1/hosts/tags')
        .send({ ids: [id], add: ['evil'] })
        .expect(401);
    }
    expect((await host(id)).tags).toEqual(['keep']);
  });

  it.each([
    ['put', { tags: ['ok', 'Not-Lower'] }, 'tags[1]'],
    ['put', { tags: ['a;b'] }, 'tags[0]'],
    ['put', { tags: ['<img src=x onerror=alert(1)>'] }, 'tags[0]'],
    ['put', { tags: 'gpu' }, 'tags'],
    ['put', { tags: [7] }, 'tags[0]'],
    ['put', { tags: Array.from({ length: MAX_TAGS_PER_HOST + 1 }, (_, i) => `t${i}`) }, 'tags'],
    ['patch', { add: ['x'], remove: ['..'] }, 'remove[0]'],
    ['patch', { add: ['ok'], extra: 1 }, 'extra'],
  ] as const)('When %s sends %j, then 400 VALIDATION naming %s and the tags are unchanged', async (method, body, field) => {
    const id = await register(sampleFacts());
    await api()
      .put(`/api/v1/hosts/${id}/tags`)
      .set(as('operator'))
      .send({ tags: ['keep'] })
      .expect(200);
    const res = await api()[method](`/api/v1/hosts/${id}/tags`).set(as('operator')).send(body).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION', field });
    expect((await host(id)).tags).toEqual(['keep']);
  });

  it('When a body carries __proto__, then it is refused naming it, and no object gains a property', async () => {
    const id = await register(sampleFacts());
    for (const [method, body] of [
      ['put', '{"tags":["a"],"__proto__":{"polluted":"yes"}}'],
      ['patch', '{"__proto__":{"add":["evil"]}}'],
    ] as const) {
      const client = api();
      const res = await client[method](`/api/v1/hosts/${id}/tags`)
        .set(as('operator'))
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION', field: '__proto__' });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await host(id)).tags).toBeUndefined();
  });

  it('When adding would pass the cap, then 400 naming add and nothing is stored', async () => {
    const id = await register(sampleFacts());
    const full = Array.from({ length: MAX_TAGS_PER_HOST }, (_, i) => `t${i}`);
    await api().put(`/api/v1/hosts/${id}/tags`).set(as('operator')).send({ tags: full }).expect(200);
    const res = await api()
      .patch(`/api/v1/hosts/${id}/tags`)
      .set(as('operator'))
      .send({ add: ['more'] })
      .expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION', field: 'add' });
    expect((await host(id)).tags).toHaveLength(MAX_TAGS_PER_HOST);
  });

  it('When tags go to an unknown host, then 404 HOST_NOT_FOUND', async () => {
    await api()
      .put('/api/v1/hosts/nope/tags')
      .set(as('operator'))
      .send({ tags: ['a'] })
      .expect(404);
  });

  it('When many hosts are tagged by ids and by query, then each says what happened to it', async () => {
    const a = await register(sampleFacts({ hostname: 'bulk-a' }));
    const b = await register(sampleFacts());
    const byIds = await api()
      .post('/api/v1/hosts/tags')
      .set(as('operator'))
      .send({ ids: [a, b, 'ghost'], add: ['batch-7'] })
      .expect(200);
    expect(byIds.body.results).toEqual([
      { host: a, outcome: 'changed', reason: '+batch-7' },
      { host: b, outcome: 'changed', reason: '+batch-7' },
      { host: 'ghost', outcome: 'failed', reason: expect.stringContaining('ghost') },
    ]);
    const byQuery = await api()
      .post('/api/v1/hosts/tags')
      .set(as('operator'))
      .send({ query: { where: '"batch-7" in tags' }, remove: ['batch-7'], add: ['batch-8'] })
      .expect(200);
    expect(byQuery.body).toMatchObject({ matched: 2, capped: false });
    expect(await where('"batch-8" in tags')).toEqual([a, b].sort());
    expect(await where('"batch-7" in tags')).toEqual([]);
    const neither = await api()
      .post('/api/v1/hosts/tags')
      .set(as('operator'))
      .send({ ids: [a] })
      .expect(400);
    expect(neither.body.error.field).toBe('add');
    const both = await api()
      .post('/api/v1/hosts/tags')
      .set(as('operator'))
      .send({ ids: [a], query: {}, add: ['x'] })
      .expect(400);
    expect(both.body.error.field).toBe('query');
  });
});

describe('tag definitions API', () => {
  it('When a viewer or an author writes a definition, then 403 and nothing is stored; a viewer lists them', async () => {
    for (const role of ['viewer', 'author']) {
      await api().put('/api/v1/tags/evil').set(as(role)).send({ expression: 'true' }).expect(403);
      await api().delete('/api/v1/tags/evil').set(as(role)).expect(403);
    }
    const list = await api().get('/api/v1/tags').set(as('viewer')).expect(200);
    expect(list.body.tags.map((t: { name: string }) => t.name)).not.toContain('evil');
    await api().get('/api/v1/tags/evil').set(as('viewer')).expect(404);
  });

  it('When a prototype key is the name in the URL, then it is no definition: 404 to read or delete, VALIDATION to write', async () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      await api().get(`/api/v1/tags/${name}`).set(as('viewer')).expect(404);
      await api().delete(`/api/v1/tags/${name}`).set(as('operator')).expect(404);
    }
    const put = await api().put('/api/v1/tags/__proto__').set(as('operator')).send({ expression: 'true' }).expect(400);
    expect(put.body.error).toMatchObject({ code: 'VALIDATION', field: 'name' });
    expect((await api().get('/api/v1/tags').set(as('viewer')).expect(200)).body.tags.map((t: { name: string }) => t.name)).not.toContain(
      '__proto__',
    );
    // "constructor" is a valid tag name: it is an ordinary definition, stored and removed like any other.
    await api().put('/api/v1/tags/constructor').set(as('operator')).send({ expression: 'false' }).expect(201);
    expect((await api().get('/api/v1/tags/constructor').set(as('viewer')).expect(200)).body).toMatchObject({
      name: 'constructor',
      hosts: 0,
    });
    await api().delete('/api/v1/tags/constructor').set(as('operator')).expect(200);
    await api().get('/api/v1/tags/constructor').set(as('viewer')).expect(404);
    await settled();
  });

  it.each([
    ['count(gpus) >', 'INVALID_EXPRESSION', 'expression'],
    ['"gpu" in tags', 'INVALID_EXPRESSION', 'expression'],
    ['constructor.prototype == "x"', 'INVALID_EXPRESSION', 'expression'],
    ['dmi.__proto__.polluted == "x"', 'INVALID_EXPRESSION', 'expression'],
    ['any(pci, constructor == "x")', 'INVALID_EXPRESSION', 'expression'],
  ])('When the expression is %s, then %s naming %s and nothing is stored', async (expression, code, field) => {
    const res = await api().put('/api/v1/tags/bad').set(as('operator')).send({ expression }).expect(400);
    expect(res.body.error).toMatchObject({ code, field });
    await api().get('/api/v1/tags/bad').set(as('viewer')).expect(404);
  });

  it('When the expression does not parse, then the error gives its line and column', async () => {
    const res = await api()
      .put('/api/v1/tags/bad')
      .set(as('operator'))
      .send({ expression: 'memory_mib > 1 and\n  (cpu.cores >' })
      .expect(400);
    expect(res.body.error.position).toMatchObject({ line: 2, column: expect.any(Number) });
    expect(res.body.error.message).toMatch(/line 2, column/);
  });

  it('When the name is bad or the body holds __proto__, then VALIDATION naming it', async () => {
    const upper = await api().put('/api/v1/tags/GPU').set(as('operator')).send({ expression: 'true' }).expect(400);
    expect(upper.body.error).toMatchObject({ code: 'VALIDATION', field: 'name' });
    const proto = await api()
      .put('/api/v1/tags/ok')
      .set(as('operator'))
      .set('Content-Type', 'application/json')
      .send('{"expression":"true","__proto__":{"x":1}}')
      .expect(400);
    expect(proto.body.error).toMatchObject({ code: 'VALIDATION', field: '__proto__' });
    const other = await api().put('/api/v1/tags/ok').set(as('operator')).send({ name: 'other', expression: 'true' }).expect(400);
    expect(other.body.error.field).toBe('name');
  });
});

describe('automatic tags', () => {
  it('When the same machine registers again with a GPU added, the tag appears; with it removed, the tag goes', async () => {
    await api().put('/api/v1/tags/gpu').set(as('operator')).send({ expression: 'count(gpus) > 0', description: 'has a GPU' });
    await settled();
    const mac = randomMac();
    const uuid = crypto.randomUUID();
    const facts = (pci: object[]) =>
      sampleFacts({ boot_mac: mac, pci, dmi: { vendor: 'Dell Inc.', product: 'R750xa', serial: 'GPU1', uuid } });
    const id = await register(facts([NIC]));
    expect((await host(id)).auto_tags).toBeUndefined();
    expect(await register(facts([NIC, GPU]))).toBe(id);
    const tagged = await host(id);
    expect(tagged.auto_tags).toEqual(['gpu']);
    expect(tagged.events.map((e: { type: string }) => e.type)).toContain('auto-tags-changed');
    expect(await where('"gpu" in tags')).toContain(id);
    expect(await register(facts([NIC]))).toBe(id);
    expect((await host(id)).auto_tags).toBeUndefined();
    expect(await where('"gpu" in tags')).not.toContain(id);
    await api().delete('/api/v1/tags/gpu').set(as('operator')).expect(200);
    await settled();
  });

  it('When a definition is created, changed and deleted, then every host is re-evaluated and the list counts them', async () => {
    const gpuHost = await register(sampleFacts({ pci: [GPU] }));
    const plain = await register(sampleFacts({ pci: [NIC] }));
    const total = (await api().get('/api/v1/hosts').set(as('viewer')).expect(200)).body.total as number;
    const created = await api()
      .put('/api/v1/tags/accel')
      .set(as('operator'))
      .send({ expression: 'count(pci, class ~ "3D|VGA") > 0' })
      .expect(201);
    expect(created.body).toMatchObject({ name: 'accel', expression: 'count(pci, class ~ "3D|VGA") > 0', reevaluating: total });
    await settled();
    expect((await host(gpuHost)).auto_tags).toEqual(['accel']);
    expect((await host(plain)).auto_tags).toBeUndefined();
    const listed = (await api().get('/api/v1/tags').set(as('viewer')).expect(200)).body.tags;
    expect(listed).toContainEqual(expect.objectContaining({ name: 'accel', hosts: 1 }));

    await api().put('/api/v1/tags/accel').set(as('admin')).send({ expression: 'any(pci, vendor_id == "8086")' }).expect(200);
    await settled();
    expect((await host(gpuHost)).auto_tags).toBeUndefined();
    expect((await host(plain)).auto_tags).toEqual(['accel']);

    const deleted = await api().delete('/api/v1/tags/accel').set(as('operator')).expect(200);
    expect(deleted.body).toEqual({ deleted: 'accel', reevaluating: expect.any(Number) });
    await settled();
    expect((await host(plain)).auto_tags).toBeUndefined();
    await api().delete('/api/v1/tags/accel').set(as('operator')).expect(404);
  });

  it('When a rule says "gpu" in tags and auto-provisioning is on, then a GPU machine is assigned at its registration and the filter finds it', async () => {
    await api()
      .post('/api/v1/profiles')
      .set(as('admin'))
      .send({ name: 'gpu-node', action: 'kickstart', template: 'plain.ks.njk', params: { repo: 'http://127.0.0.1/r' } })
      .expect(201);
    await api().post('/api/v1/rules').set(as('admin')).send({ name: 'gpus', expression: '"gpu" in tags', profile: 'gpu-node' }).expect(201);
    await api().put('/api/v1/tags/gpu').set(as('operator')).send({ expression: 'count(gpus) > 0' }).expect(201);
    await settled();
    await api().patch('/api/v1/settings').set(as('admin')).send({ auto_provision: true }).expect(200);
    try {
      const gpuHost = await register(sampleFacts({ pci: [NIC, GPU] }));
      const plain = await register(sampleFacts({ pci: [NIC] }));
      const assigned = await host(gpuHost);
      expect(assigned).toMatchObject({ state: 'assigned', auto_tags: ['gpu'], assignment: { profile: 'gpu-node', rule: 'gpus' } });
      expect((await host(plain)).state).toBe('discovered');
      expect(await where('"gpu" in tags and state == "assigned"')).toEqual([gpuHost]);
    } finally {
      await api().patch('/api/v1/settings').set(as('admin')).send({ auto_provision: false }).expect(200);
    }
  });
});
