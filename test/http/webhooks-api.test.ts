// The webhooks API against the real service: who may do what, what is never shown, what is refused
// (and that a refusal changes nothing), and that a machine's registration never waits on a receiver.
import { createHmac } from 'node:crypto';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser } from '../support/sessions.js';
import { sampleFacts } from '../support/facts.js';
import { startReceiver, type Receiver } from '../notifications/receiver.js';

let srv: TestServer;
let r: Receiver;
const tokens: Record<string, string> = {};
const as = (role: string) => ({ Authorization: `Bearer ${role === 'admin' ? srv.adminToken : tokens[role]!}` });
const api = () => request(srv.url);

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts'), env: { KICKSTAND_WEBHOOK_RETRY_MS: '5' } });
  r = await startReceiver();
  for (const role of ['operator', 'author', 'viewer']) {
    await createUser(srv, role, role, `${role}-password-123`);
    tokens[role] = (await api().post(`/api/v1/users/${role}/tokens`).set(as('admin')).send({ name: 'test' }).expect(201)).body.token;
  }
});
afterAll(async () => {
  r.release();
  await srv.stop();
  await r.close();
});

const stored = async () => (await api().get('/api/v1/webhooks').set(as('admin')).expect(200)).body.webhooks as Record<string, unknown>[];

describe('webhooks API', () => {
  it('When an admin creates a webhook without a secret, then one is generated and returned once; no read returns it', async () => {
    const created = await api()
      .post('/api/v1/webhooks')
      .set(as('admin'))
      .send({ name: 'once', url: `${r.url}?token=abc123`, events: ['failed'] })
      .expect(201);
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.body.webhook).toMatchObject({ name: 'once', url: `${r.url}?token=abc123`, events: ['failed'], enabled: true });
    expect(created.body.webhook).not.toHaveProperty('secret');
    for (const role of ['admin', 'operator']) {
      const list = await api().get('/api/v1/webhooks').set(as(role)).expect(200);
      const one = await api().get('/api/v1/webhooks/once').set(as(role)).expect(200);
      const deliveries = await api().get('/api/v1/webhooks/once/deliveries').set(as(role)).expect(200);
      for (const res of [list, one, deliveries]) {
        expect(res.text, role).not.toContain(secret);
        expect(res.text, role).not.toContain('kickstand-sealed');
        expect(res.text, role).not.toContain('"secret"');
      }
      // Operators see where, not the URL's own credentials (a token in its query).
      if (role === 'operator') expect(one.body.url).toBe(`${new URL(r.url).origin}/…`);
      else expect(one.body.url).toBe(`${r.url}?token=abc123`);
    }
    // Nor the logs, nor the audit trail (which keeps the URL's origin only).
    expect(JSON.stringify(srv.logs)).not.toContain(secret);
    expect(JSON.stringify(srv.logs)).not.toContain('abc123');
    const trail = (await api().get('/api/v1/audit?action=webhook.*').set(as('admin')).expect(200)).body.entries;
    expect(trail[0]).toMatchObject({ action: 'webhook.create', target: 'once', actor: 'admin-token' });
    expect(JSON.stringify(trail)).not.toContain('abc123');
  });

  it('When a webhook is replaced without a secret, then it keeps its secret; with one, deliveries are signed with the new one', async () => {
    await api()
      .post('/api/v1/webhooks')
      .set(as('admin'))
      .send({ name: 'rotate', url: r.url, secret: 'first-secret-0123456789' })
      .expect(201);
    const kept = await api().put('/api/v1/webhooks/rotate').set(as('admin')).send({ url: r.url, events: 'all' }).expect(200);
    expect(kept.body).not.toHaveProperty('secret');
    const verify = (secret: string) => {
      const got = r.received.at(-1)!;
      const ts = String(got.headers['x-kickstand-timestamp']);
      return got.headers['x-kickstand-signature'] === `sha256=${createHmac('sha256', secret).update(`${ts}.${got.body}`).digest('hex')}`;
    };
    const ping = await api().post('/api/v1/webhooks/rotate/test').set(as('admin')).expect(200);
    expect(ping.body).toMatchObject({ event: 'ping', status: 200, outcome: 'delivered' });
    expect(verify('first-secret-0123456789')).toBe(true);
    const changed = await api()
      .put('/api/v1/webhooks/rotate')
      .set(as('admin'))
      .send({ url: r.url, secret: 'second-secret-0123456789' })
      .expect(200);
    expect(changed.body.secret).toBe('second-secret-0123456789');
    await api().post('/api/v1/webhooks/rotate/test').set(as('admin')).expect(200);
    expect(verify('second-secret-0123456789')).toBe(true);
    expect(verify('first-secret-0123456789')).toBe(false);
    const log = (await api().get('/api/v1/webhooks/rotate/deliveries').set(as('operator')).expect(200)).body.deliveries;
    expect(log.map((d: { event: string; status: number }) => [d.event, d.status])).toEqual([
      ['ping', 200],
      ['ping', 200],
    ]);
    await api().delete('/api/v1/webhooks/rotate').set(as('admin')).expect(204);
    await api().get('/api/v1/webhooks/rotate').set(as('admin')).expect(404);
    await api().delete('/api/v1/webhooks/rotate').set(as('admin')).expect(404);
    const trail = (await api().get('/api/v1/audit?target=rotate').set(as('admin')).expect(200)).body.entries;
    expect(trail.map((e: { action: string }) => e.action)).toEqual([
      'webhook.delete',
      'webhook.replace',
      'webhook.replace',
      'webhook.create',
    ]);
  });

  it('When an operator, an author or a viewer tries to create, change, ping or delete, then 403 and nothing changes; authors and viewers cannot read', async () => {
    await api().post('/api/v1/webhooks').set(as('admin')).send({ name: 'guarded', url: r.url }).expect(201);
    const before = await stored();
    for (const role of ['operator', 'author', 'viewer']) {
      const calls = [
        api().post('/api/v1/webhooks').set(as(role)).send({ name: 'mine', url: r.url }),
        api().put('/api/v1/webhooks/guarded').set(as(role)).send({ url: 'http://127.0.0.1:1/' }),
        api().delete('/api/v1/webhooks/guarded').set(as(role)),
        api().post('/api/v1/webhooks/guarded/test').set(as(role)),
      ];
      for (const call of calls) {
        const res = await call;
        expect(res.status, role).toBe(403);
        expect(res.body.error.code).toBe('FORBIDDEN');
      }
    }
    for (const role of ['author', 'viewer']) {
      await api().get('/api/v1/webhooks').set(as(role)).expect(403);
      await api().get('/api/v1/webhooks/guarded').set(as(role)).expect(403);
      await api().get('/api/v1/webhooks/guarded/deliveries').set(as(role)).expect(403);
    }
    await api().get('/api/v1/webhooks').expect(401);
    expect(await stored()).toEqual(before);
  });

  it('When the URL is not http(s) or the body is wrong, then 400 names the field and nothing is stored', async () => {
    const before = await stored();
    const bad: [object, string][] = [
      [{ name: 'f', url: 'file:///etc/passwd' }, 'url'],
      [{ name: 'j', url: 'javascript:alert(1)' }, 'url'],
      [{ name: 'g', url: 'gopher://127.0.0.1:25/' }, 'url'],
      [{ name: 'h', url: 'http://' }, 'url'],
      [{ name: 'n', url: 42 }, 'url'],
      [{ url: r.url }, 'name'],
      [{ name: 'Bad Name', url: r.url }, 'name'],
      [{ name: 'e', url: r.url, events: ['failed', 'exploded'] }, 'events[1]'],
      [{ name: 'e', url: r.url, events: 'some' }, 'events'],
      [{ name: 'e', url: r.url, events: [] }, 'events'],
      [{ name: 's', url: r.url, secret: 'short' }, 'secret'],
      [{ name: 'x', url: r.url, extra: true }, 'extra'],
    ];
    for (const [body, field] of bad) {
      const res = await api().post('/api/v1/webhooks').set(as('admin')).send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toMatchObject({ code: 'VALIDATION', field });
    }
    // A PUT that goes wrong keeps the webhook as it was.
    await api().put('/api/v1/webhooks/guarded').set(as('admin')).send({ url: 'file:///etc/shadow' }).expect(400);
    await api().put('/api/v1/webhooks/guarded').set(as('admin')).send({ name: 'other', url: r.url }).expect(400);
    await api().put('/api/v1/webhooks/nosuch').set(as('admin')).send({ url: r.url }).expect(404);
    await api().post('/api/v1/webhooks').set(as('admin')).send({ name: 'guarded', url: 'http://127.0.0.1:9/' }).expect(409);
    expect(await stored()).toEqual(before);
  });

  it('When a receiver holds its request, then a machine registration is answered all the same, before the receiver', async () => {
    const order: string[] = [];
    for (const w of await stored())
      await api()
        .delete(`/api/v1/webhooks/${String(w.name)}`)
        .set(as('admin'))
        .expect(204);
    r.answer = () => 'hold';
    await api()
      .post('/api/v1/webhooks')
      .set(as('admin'))
      .send({ name: 'hang', url: r.url, events: ['discovered'] })
      .expect(201);
    const first = await api()
      .post('/api/v1/discovery')
      .send(sampleFacts({ boot_mac: '02:00:00:aa:00:01' }));
    expect(first.status).toBe(201);
    await vi.waitFor(() => expect(r.held()).toBe(1));
    // The receiver still holds the first delivery; a second machine registers meanwhile.
    const second = await api()
      .post('/api/v1/discovery')
      .send(sampleFacts({ boot_mac: '02:00:00:aa:00:02' }));
    order.push(`registered ${second.status}`);
    expect(r.held()).toBe(1); // the second delivery waits its turn behind the held one
    order.push('receiver answers');
    r.answer = () => 200;
    r.release();
    await vi.waitFor(() => expect(r.received.filter((g) => g.json.event === 'discovered')).toHaveLength(2));
    expect(order).toEqual(['registered 201', 'receiver answers']);
    const ids = r.received.filter((g) => g.json.event === 'discovered').map((g) => (g.json.host as { id: string }).id);
    expect(ids).toEqual([first.body.id, second.body.id]);
  });
});
