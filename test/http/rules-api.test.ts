// Profiles, rules, preview and auto-assignment through the admin API.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomMac, sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const auth = () => ({ Authorization: `Bearer ${srv.adminToken}` });
const api = {
  post: (url: string, body: object) => request(srv.url).post(url).set(auth()).send(body),
  put: (url: string, body: object) => request(srv.url).put(url).set(auth()).send(body),
  get: (url: string) => request(srv.url).get(url).set(auth()),
  del: (url: string) => request(srv.url).delete(url).set(auth()),
  patch: (url: string, body: object) => request(srv.url).patch(url).set(auth()).send(body),
};

async function discover(overrides: Record<string, unknown> = {}) {
  const res = await request(srv.url).post('/api/v1/discovery').send(sampleFacts(overrides));
  expect([200, 201]).toContain(res.status);
  return res.body as { id: string; token: string; next: string };
}

async function resetRules() {
  for (const r of (await api.get('/api/v1/rules')).body.rules) await api.del(`/api/v1/rules/${r.name}`).expect(204);
  for (const h of (await api.get('/api/v1/hosts')).body.hosts) await api.del(`/api/v1/hosts/${h.id}`).expect(204);
  await api.patch('/api/v1/settings', { auto_provision: false }).expect(200);
}

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  await api
    .post('/api/v1/profiles', {
      name: 'plain',
      action: 'kickstart',
      template: 'plain.ks.njk',
      params: { repo: 'http://127.0.0.1/default' },
    })
    .expect(201);
  await api
    .post('/api/v1/profiles', {
      name: 'repo',
      action: 'kickstart',
      template: 'needs-param.ks.njk',
      params: { repo: 'http://127.0.0.1/profile-repo' },
    })
    .expect(201);
  await api
    .post('/api/v1/profiles', {
      name: 'debian',
      action: 'kexec',
      kernel: 'http://127.0.0.1/linux',
      initrd: 'http://127.0.0.1/initrd.gz',
      append: 'auto=true hostname={{ host.hostname }} url={{ params.preseed | default("http://127.0.0.1/p.cfg") }}',
    })
    .expect(201);
  await api.post('/api/v1/profiles', { name: 'bounce', action: 'reboot' }).expect(201);
});
afterAll(async () => srv.stop());

describe('profiles', () => {
  it('When a profile names a missing template, then 400 naming template and nothing is stored', async () => {
    const res = await api.post('/api/v1/profiles', { name: 'ghost', action: 'kickstart', template: 'ghost.ks.njk' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'TEMPLATE_NOT_FOUND', field: 'template' });
    await api.get('/api/v1/profiles/ghost').expect(404);
  });

  it('When a profile already exists, then creating it again is 409 and replacing it works', async () => {
    await api.post('/api/v1/profiles', { name: 'bounce', action: 'reboot' }).expect(409);
    const res = await api.put('/api/v1/profiles/bounce', { action: 'reboot', description: 'just reboot' });
    expect(res.status).toBe(200);
    expect(res.body.description).toBe('just reboot');
    await api.put('/api/v1/profiles/bounce', { name: 'other', action: 'reboot' }).expect(400);
    await api.put('/api/v1/profiles/nope', { action: 'reboot' }).expect(404);
  });

  it('When a kexec append line tries to run code, then the profile is refused naming append', async () => {
    const res = await api.post('/api/v1/profiles', {
      name: 'evil',
      action: 'kexec',
      kernel: 'http://127.0.0.1/k',
      initrd: 'http://127.0.0.1/i',
      append: '{{ range.constructor("return process")() }}',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_PATTERN', field: 'append' });
  });

  it('When a host is assigned a profile, then host params override profile params', async () => {
    const { id, next, token } = await discover();
    const a = await api.post(`/api/v1/hosts/${id}/assignment`, { profile: 'repo', params: { repo: 'http://127.0.0.1/host-repo' } });
    expect(a.status).toBe(200);
    expect(a.body.assignment).toMatchObject({ action: 'kickstart', template: 'needs-param.ks.njk', profile: 'repo' });
    const ks = await request(next).get('').set('Authorization', `Bearer ${token}`);
    expect(ks.text).toContain('url --url=http://127.0.0.1/host-repo');
  });

  it('When a kexec profile is assigned, then its append line is rendered for the host', async () => {
    const { id } = await discover();
    const a = await api.post(`/api/v1/hosts/${id}/assignment`, { profile: 'debian', hostname: `deb-${id}.example.com` });
    expect(a.status).toBe(200);
    expect(a.body.assignment.append).toBe(`auto=true hostname=deb-${id}.example.com url=http://127.0.0.1/p.cfg`);
  });

  it('When an assignment names a missing profile, then 400 naming profile', async () => {
    const { id } = await discover();
    const res = await api.post(`/api/v1/hosts/${id}/assignment`, { profile: 'nope' });
    expect(res.body.error).toMatchObject({ code: 'UNKNOWN_PROFILE', field: 'profile' });
  });

  it('When a profile in use is deleted, then 409 lists its users; with force it goes', async () => {
    await api.post('/api/v1/profiles', { name: 'temp', action: 'reboot' }).expect(201);
    const { id } = await discover();
    await api.post(`/api/v1/hosts/${id}/assignment`, { profile: 'temp' }).expect(200);
    await api.post('/api/v1/rules', { name: 'uses-temp', expression: 'memory_mib > 1', profile: 'temp' }).expect(201);
    const res = await api.del('/api/v1/profiles/temp');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('PROFILE_IN_USE');
    expect(res.body.error.message).toContain('rule uses-temp');
    expect(res.body.error.message).toContain(`host ${id}`);
    const forced = await api.del('/api/v1/profiles/temp?force=true');
    expect(forced.status).toBe(200);
    expect(forced.body.was_used_by).toEqual({ hosts: [id], rules: ['uses-temp'] });
    await api.del('/api/v1/rules/uses-temp').expect(204);
  });
});

describe('rules', () => {
  beforeEach(resetRules);

  it.each([
    [
      { name: 'r', expression: 'memory_mib >= 1 and\n (cpu.cores > 2', profile: 'plain' },
      'INVALID_EXPRESSION',
      'expression',
      /line 2, column \d+/,
    ],
    [{ name: 'r', expression: 'cpu.core > 2', profile: 'plain' }, 'INVALID_EXPRESSION', 'expression', /unknown fact "cpu.core"/],
    [{ name: 'r', expression: 'dmi.vendor > 2', profile: 'plain' }, 'INVALID_EXPRESSION', 'expression', /dmi.vendor/],
    [{ name: 'r', expression: 'arch == "x86_64"', profile: 'nope' }, 'UNKNOWN_PROFILE', 'profile', /nope/],
    [
      { name: 'r', expression: 'arch == "x86_64"', profile: 'plain', hostname_pattern: '{% for x in facts.nics %}{% endfor %}' },
      'INVALID_PATTERN',
      'hostname_pattern',
      /not allowed/,
    ],
    [{ name: 'r', expression: 'arch == "x86_64"', profile: 'plain', priority: -1 }, 'VALIDATION', 'priority', /priority/],
    [{ name: 'r', expression: 'arch == "x86_64"', profile: 'plain', colour: 'red' }, 'VALIDATION', 'colour', /colour/],
  ])('When a rule is %j, then it is refused with %s naming %s', async (body, code, field, message) => {
    const res = await api.post('/api/v1/rules', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code, field });
    expect(res.body.error.message).toMatch(message);
    expect((await api.get('/api/v1/rules')).body.rules).toEqual([]);
  });

  it('When hosts are auto-assigned, then the first enabled rule by priority wins and the timeline says which and why', async () => {
    await api
      .post('/api/v1/rules', { name: 'off', expression: 'memory_mib > 1', profile: 'bounce', priority: 1, enabled: false })
      .expect(201);
    await api.post('/api/v1/rules', { name: 'small', expression: 'memory_mib < 4096', profile: 'bounce', priority: 5 }).expect(201);
    await api
      .post('/api/v1/rules', {
        name: 'dell',
        expression: 'dmi.vendor ~ "Dell" and any(nics, speed_mbps >= 25000)',
        profile: 'plain',
        hostname_pattern: 'dell-{{ seq(3) }}.example.com',
        priority: 10,
      })
      .expect(201);
    const a = await discover();
    const b = await discover();
    const res = await api.post('/api/v1/hosts/auto-assign', {});
    expect(res.status).toBe(200);
    const byHost = Object.fromEntries(res.body.results.map((r: { host: string }) => [r.host, r]));
    expect(byHost[a.id]).toMatchObject({ outcome: 'assigned', rule: 'dell' });
    expect(byHost[a.id].verdicts.map((v: { outcome: string }) => v.outcome)).toEqual(['disabled', 'no-match', 'matched']);
    expect([byHost[a.id].hostname, byHost[b.id].hostname].sort()).toEqual(['dell-001.example.com', 'dell-002.example.com']);
    const host = (await api.get(`/api/v1/hosts/${a.id}`)).body;
    expect(host.state).toBe('assigned');
    expect(host.assignment).toMatchObject({ rule: 'dell', profile: 'plain' });
    expect(host.events.at(-1)).toMatchObject({ type: 'assigned', actor: 'rule dell' });
    expect(host.events.at(-1).message).toContain('matched (priority 10)');
    expect((await api.get('/api/v1/rules/dell')).body.sequence).toBe(2);
  });

  it('When a rule has a limit, then it never assigns more hosts than that', async () => {
    await api
      .post('/api/v1/rules', { name: 'two', expression: 'has(boot_mac)', profile: 'bounce', limit: 2, hostname_pattern: 'l-{{ seq(2) }}' })
      .expect(201);
    for (let i = 0; i < 4; i++) await discover();
    const res = await api.post('/api/v1/hosts/auto-assign', {});
    const outcomes = res.body.results.map((r: { outcome: string }) => r.outcome).sort();
    expect(outcomes).toEqual(['assigned', 'assigned', 'no-rule', 'no-rule']);
    const limited = res.body.results.find((r: { outcome: string }) => r.outcome === 'no-rule');
    expect(limited.verdicts[0]).toMatchObject({ rule: 'two', outcome: 'limit-reached' });
  });

  it('When 50 machines register at once with auto-provisioning on, then the limit holds and no hostname repeats', async () => {
    await api.patch('/api/v1/settings', { auto_provision: true }).expect(200);
    await api
      .post('/api/v1/rules', {
        name: 'storm',
        expression: 'memory_mib > 1',
        profile: 'bounce',
        limit: 5,
        hostname_pattern: 's-{{ seq(3) }}',
      })
      .expect(201);
    const regs = await Promise.all(Array.from({ length: 50 }, () => request(srv.url).post('/api/v1/discovery').send(sampleFacts())));
    expect(regs.every((r) => r.status === 201)).toBe(true);
    const hosts = (await api.get('/api/v1/hosts')).body.hosts as { state: string; hostname?: string }[];
    const assigned = hosts.filter((h) => h.state === 'assigned');
    expect(assigned).toHaveLength(5);
    expect(new Set(assigned.map((h) => h.hostname))).toEqual(new Set(['s-001', 's-002', 's-003', 's-004', 's-005']));
  });

  it('When auto-provisioning is off (the default), then discovery assigns nothing', async () => {
    expect((await api.get('/api/v1/settings')).body).toEqual({ auto_provision: false });
    await api.post('/api/v1/rules', { name: 'all', expression: 'memory_mib > 1', profile: 'bounce' }).expect(201);
    const { id } = await discover();
    expect((await api.get(`/api/v1/hosts/${id}`)).body.state).toBe('discovered');
  });

  it('When a pattern gives a hostname already in use, then the host stays waiting with the reason on its timeline', async () => {
    const taken = await discover();
    await api.post(`/api/v1/hosts/${taken.id}/assignment`, { action: 'reboot', hostname: 'fixed.example.com' }).expect(200);
    await api
      .post('/api/v1/rules', { name: 'fixed', expression: 'memory_mib > 1', profile: 'bounce', hostname_pattern: 'fixed.example.com' })
      .expect(201);
    const { id } = await discover();
    const res = await api.post(`/api/v1/hosts/${id}/auto-assign`, {});
    expect(res.body).toMatchObject({ outcome: 'failed', rule: 'fixed' });
    expect(res.body.reason).toContain('already used');
    const host = (await api.get(`/api/v1/hosts/${id}`)).body;
    expect(host.state).toBe('discovered');
    expect(host.events.at(-1)).toMatchObject({ type: 'auto-assign-failed' });
    expect((await api.get('/api/v1/rules/fixed')).body.sequence).toBe(0);
  });

  it('When a rule is previewed, then it lists matching waiting hosts with their hostnames and stores nothing', async () => {
    await api.post('/api/v1/rules', { name: 'first', expression: 'arch == "aarch64"', profile: 'bounce', priority: 1 }).expect(201);
    const big = await discover();
    const small = await discover({ memory_mib: 1024 });
    const candidate = {
      name: 'big',
      expression: 'memory_mib >= 65536',
      profile: 'plain',
      hostname_pattern: 'big-{{ seq(2) }}',
      priority: 50,
    };
    const res = await api.post('/api/v1/rules/preview', { rule: candidate, host: big.id });
    expect(res.status).toBe(200);
    expect(res.body.matches).toEqual([{ host: big.id, boot_mac: expect.any(String), hostname: 'big-01', within_limit: true }]);
    expect(res.body.explain).toEqual({
      host: big.id,
      winner: 'big',
      verdicts: [
        { rule: 'first', outcome: 'no-match', reason: 'facts do not match: arch == "aarch64"' },
        { rule: 'big', outcome: 'matched', reason: 'matched (priority 50): memory_mib >= 65536' },
      ],
    });
    expect((await api.get('/api/v1/rules')).body.rules.map((r: { name: string }) => r.name)).toEqual(['first']);
    expect((await api.get(`/api/v1/hosts/${small.id}`)).body.state).toBe('discovered');
  });

  it('When a saved rule is previewed by name, then the answer is the same shape', async () => {
    await api.post('/api/v1/rules', { name: 'saved', expression: 'memory_mib > 1', profile: 'bounce' }).expect(201);
    await discover();
    const res = await api.post('/api/v1/rules/preview', { rule: 'saved' });
    expect(res.body.rule).toBe('saved');
    expect(res.body.matches).toHaveLength(1);
    await api.post('/api/v1/rules/preview', { rule: 'missing' }).expect(404);
  });

  it('When a rule is edited, then its sequence carries on', async () => {
    await api
      .post('/api/v1/rules', { name: 'seq', expression: 'memory_mib > 1', profile: 'bounce', hostname_pattern: 'q-{{ seq(1) }}' })
      .expect(201);
    await discover();
    await api.post('/api/v1/hosts/auto-assign', {}).expect(200);
    await api.put('/api/v1/rules/seq', { expression: 'memory_mib > 2', profile: 'bounce', hostname_pattern: 'q-{{ seq(1) }}' }).expect(200);
    const { id } = await discover({ boot_mac: randomMac() });
    const res = await api.post(`/api/v1/hosts/${id}/auto-assign`, {});
    expect(res.body.hostname).toBe('q-2');
  });
});
