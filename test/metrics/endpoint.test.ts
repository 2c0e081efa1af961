// GET /metrics through a Prometheus text-format parser: after a known story (3 registrations, polls, a
// delivery, an install failure, a render error) every counter and gauge says exactly that, labels hold
// route patterns and never a host's id, MAC, hostname or a token; the token and the off switch hold.
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { scrape, type Scrape } from '../support/prometheus.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { tempDir } from '../support/temp.js';

interface Reg {
  id: string;
  token: string;
}

const MACS = ['52:54:00:aa:00:01', '52:54:00:aa:00:02', '52:54:00:aa:00:03'];
const HOSTNAMES = ['metrics-a.example.com', 'metrics-b.example.com'];
/** Renders at assignment; replaced by text that does not render before the host polls. */
const BREAKS = 'breaks.ks.njk';

let srv: TestServer;
let regs: Reg[];
let after: Scrape;
const admin = (r: request.Test) => r.set('Authorization', `Bearer ${srv.adminToken}`);
const poll = (reg: Reg, token = reg.token) =>
  request(srv.url).get(`/api/v1/discovery/${reg.id}/next`).set('Authorization', `Bearer ${token}`);

beforeAll(async () => {
  const templatesDir = await tempDir('kickstand-metrics-');
  await cp(path.resolve('test/fixtures/kickstarts'), templatesDir, { recursive: true });
  await writeFile(path.join(templatesDir, BREAKS), 'lang en_US.UTF-8\n');
  srv = await startTestServer({ templatesDir });

  regs = [];
  for (const mac of MACS)
    regs.push(
      (
        await request(srv.url)
          .post('/api/v1/discovery')
          .send(sampleFacts({ boot_mac: mac }))
          .expect(201)
      ).body as Reg,
    );
  const [a, b, c] = regs as [Reg, Reg, Reg];

  // a: delivered a kickstart, then its install fails.
  await admin(request(srv.url).post(`/api/v1/hosts/${a.id}/assignment`))
    .send({ hostname: HOSTNAMES[0], action: 'kickstart', template: 'plain.ks.njk' })
    .expect(200);
  await poll(a).expect(200);
  await request(srv.url)
    .post(`/api/v1/discovery/${a.id}/events`)
    .set('Authorization', `Bearer ${a.token}`)
    .send({ stage: 'failed' })
    .expect(200);

  // b: assigned a template that then stops rendering: its poll waits, one render error.
  await admin(request(srv.url).post(`/api/v1/hosts/${b.id}/assignment`))
    .send({ hostname: HOSTNAMES[1], action: 'kickstart', template: BREAKS })
    .expect(200);
  await admin(request(srv.url).put(`/api/v1/templates/${BREAKS}`))
    .send({ content: 'url --url={{ params.nothing.here }}\n' })
    .expect(200);
  await poll(b).expect(202);

  // c: waiting; and one poll with a wrong token.
  await poll(c).expect(202);
  await poll(c, 'not-the-token-of-this-host').expect(401);

  // One admin read per host, so the route label would show an id if it ever took the URL.
  for (const reg of regs) await admin(request(srv.url).get(`/api/v1/hosts/${reg.id}`)).expect(200);
  after = await scrape(srv.url);
});
afterAll(async () => srv.stop());

describe('GET /metrics', () => {
  it('When 3 machines registered, polled, one was delivered and failed and one hit a render error, then the counts are exactly those', () => {
    expect(after.value('kickstand_registrations_total', { outcome: 'created' })).toBe(3);
    expect(after.value('kickstand_registrations_total', { outcome: 'refreshed' })).toBe(0);
    expect(after.value('kickstand_polls_total', { status: '200' })).toBe(1);
    expect(after.value('kickstand_polls_total', { status: '202' })).toBe(2);
    expect(after.value('kickstand_polls_total', { status: '401' })).toBe(1);
    expect(after.value('kickstand_poll_duration_seconds_count')).toBe(4);
    expect(after.value('kickstand_deliveries_total', { action: 'kickstart' })).toBe(1);
    expect(after.value('kickstand_install_callbacks_total', { stage: 'failed' })).toBe(1);
    expect(after.value('kickstand_install_failures_total')).toBe(1);
    expect(after.value('kickstand_render_errors_total', { template: BREAKS })).toBe(1);
    expect(after.value('kickstand_hosts_lost_total')).toBe(0);
    expect(after.value('kickstand_identity_conflicts_total')).toBe(0);
    expect(Object.fromEntries(after.families.get('kickstand_hosts')!.metrics.map((m) => [m.labels!.state, Number(m.value)]))).toEqual({
      discovered: 1,
      assigned: 1,
      provisioning: 0,
      installed: 0,
      failed: 1,
      lost: 0,
    });
  });

  it('When a host is read by id, then the latency histogram is labelled by the route pattern and status class, never the id', () => {
    expect(after.value('kickstand_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/hosts/:id', status: '2xx' })).toBe(
      3,
    );
    expect(
      after.value('kickstand_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/discovery', status: '2xx' }),
    ).toBe(3);
    const routes = new Set(
      after
        .samples()
        .map((s) => s.labels?.route)
        .filter(Boolean),
    );
    for (const route of routes) expect(route).not.toMatch(new RegExp(regs.map((r) => r.id).join('|')));
  });

  it('When every label value is read, then none holds a MAC (any spelling), hostname, host id or token', () => {
    const values = after.samples().flatMap((s) => Object.values(s.labels ?? {}));
    expect(values.length).toBeGreaterThan(20);
    const forbidden = [
      ...MACS.flatMap((m) => [m, m.replace(/:/g, '-'), m.replace(/:/g, ''), m.toUpperCase()]),
      ...HOSTNAMES,
      ...HOSTNAMES.map((h) => h.split('.')[0]!),
      ...regs.flatMap((r) => [r.id, r.token]),
      srv.adminToken,
    ].map((s) => s.toLowerCase());
    for (const value of values) for (const bad of forbidden) expect(value.toLowerCase()).not.toContain(bad);
  });

  it('When Node metrics are read, then event-loop lag and heap are there under their default names', () => {
    expect(after.families.get('nodejs_eventloop_lag_seconds')?.type).toBe('GAUGE');
    expect(after.families.get('nodejs_heap_size_used_bytes')?.type).toBe('GAUGE');
    expect(after.families.get('kickstand_polls_total')?.type).toBe('COUNTER');
  });

  it('When Prometheus asks for OpenMetrics, then it gets that format, ending with # EOF', async () => {
    const res = await request(srv.url)
      .get('/metrics')
      .set('Accept', 'application/openmetrics-text;version=1.0.0,text/plain;q=0.5')
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    expect(res.text).toMatch(/# EOF\n$/);
    expect(res.text).toContain('kickstand_registrations_total{outcome="created"} 3');
    // prom-client renames counters while writing OpenMetrics: the next text-format scrape keeps `_total`.
    expect((await scrape(srv.url)).value('kickstand_registrations_total', { outcome: 'created' })).toBe(3);
  });

  it('When a poll is answered by express rather than the fast path, then it is counted with the status the client got', async () => {
    const before = (await scrape(srv.url)).value('kickstand_polls_total', { status: '401' });
    await request(srv.running.app).get(`/api/v1/discovery/${regs[2]!.id}/next`).set('Authorization', 'Bearer wrong-token-0000').expect(401);
    await request(srv.running.app)
      .get(`/api/v1/discovery/${regs[2]!.id}/next`)
      .set('Authorization', `Bearer ${regs[2]!.token}`)
      .expect(202);
    const now = await scrape(srv.url);
    expect(now.value('kickstand_polls_total', { status: '401' })).toBe(before + 1);
    expect(now.value('kickstand_polls_total', { status: '202' })).toBe(3);
  });
});

describe('access to /metrics', () => {
  it('When KICKSTAND_METRICS_TOKEN is set, then /metrics answers 401 without it, with a wrong one or the admin token, and 200 with it', async () => {
    const token = 'metrics-scraper-token-0123456789';
    const s = await startTestServer({ env: { KICKSTAND_METRICS_TOKEN: token } });
    try {
      const none = await request(s.url).get('/metrics').expect(401);
      expect(none.body.error.code).toBe('UNAUTHORIZED');
      expect(none.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(none.text).not.toContain('kickstand_');
      await request(s.url).get('/metrics').set('Authorization', 'Bearer metrics-scraper-token-wrong00000').expect(401);
      await request(s.url).get('/metrics').set('Authorization', `Bearer ${s.adminToken}`).expect(401);
      // Only the header: a token in the URL would end up in proxy and access logs.
      await request(s.url).get(`/metrics?token=${token}`).expect(401);
      await request(s.url)
        .get('/metrics')
        .set('Authorization', `Basic ${Buffer.from(`x:${token}`).toString('base64')}`)
        .expect(401);
      const ok = await request(s.url).get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
      expect(ok.headers['cache-control']).toBe('no-store');
      expect(ok.headers['x-content-type-options']).toBe('nosniff');
      expect((await scrape(s.url, token)).value('kickstand_registrations_total', { outcome: 'created' })).toBe(0);
    } finally {
      await s.stop();
    }
  });

  it('When KICKSTAND_METRICS=off, then /metrics is 404 (for the admin too)', async () => {
    const s = await startTestServer({ env: { KICKSTAND_METRICS: 'off' } });
    try {
      await request(s.url).get('/metrics').expect(404);
      await request(s.url).get('/metrics').set('Authorization', `Bearer ${s.adminToken}`).expect(404);
    } finally {
      await s.stop();
    }
  });

  it('When two apps run in one process, then each counts only its own registrations', async () => {
    const one = await startTestServer();
    const two = await startTestServer();
    try {
      await request(one.url).post('/api/v1/discovery').send(sampleFacts()).expect(201);
      await request(one.url).post('/api/v1/discovery').send(sampleFacts()).expect(201);
      await request(two.url).post('/api/v1/discovery').send(sampleFacts()).expect(201);
      expect((await scrape(one.url)).value('kickstand_registrations_total', { outcome: 'created' })).toBe(2);
      expect((await scrape(two.url)).value('kickstand_registrations_total', { outcome: 'created' })).toBe(1);
      expect((await scrape(two.url)).value('kickstand_hosts', { state: 'discovered' })).toBe(1);
    } finally {
      await one.stop();
      await two.stop();
    }
  });
});
