// Webhook deliveries against a real receiver on 127.0.0.1: signature, retries, subscriptions, the
// queue bound and shutdown. Retry waits are milliseconds here; completion is awaited, never timed.
import { createHmac, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Events, type HostChange, type HostEventName } from '../../src/events/events.js';
import { Dispatcher, type DispatchOptions } from '../../src/notifications/dispatcher.js';
import type { Webhook } from '../../src/notifications/webhook.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { startReceiver, type Receiver } from './receiver.js';

const SECRET = 'a-webhook-secret-of-some-length';

function setup(options: Partial<DispatchOptions> = {}) {
  const store = new MemoryStore();
  const secrets = new SecretBox(randomBytes(32));
  const events = new Events();
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
  const log = {
    warn: (obj: Record<string, unknown>, msg: string) => warnings.push({ obj, msg }),
    error: () => undefined,
    info: () => undefined,
  } as never;
  const dispatcher = new Dispatcher({ store, secrets, log, events }, { retryMs: 1, timeoutMs: 10_000, ...options });
  dispatcher.start();
  stops.push(() => dispatcher.stop(10));
  const add = (name: string, url: string, more: Partial<Webhook> = {}) =>
    store.webhooks.save({
      name,
      url,
      events: 'all',
      secret: secrets.protect({ webhook_secret: SECRET }).webhook_secret as string,
      enabled: true,
      created_at: new Date().toISOString(),
      ...more,
    });
  const emit = (event: HostEventName, id = 'h0000001') => {
    const change: HostChange = {
      kind: 'host',
      event,
      at: '2026-12-06T00:00:00.000Z',
      from: 'provisioning',
      host: { id, hostname: 'web-01', state: 'failed', boot_mac: '02:00:00:00:00:01' },
      message: 'install failed: no disk',
    };
    events.emit(change);
  };
  return { store, dispatcher, add, emit, warnings };
}

const stops: (() => Promise<void>)[] = [];
const receivers: Receiver[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  for (const r of receivers.splice(0)) {
    r.release();
    await r.close();
  }
});

async function receiver(answer?: Receiver['answer']): Promise<Receiver> {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

describe('webhook delivery', () => {
  it('When a host fails, then the receiver gets the event, signed so that the secret verifies it', async () => {
    const r = await receiver();
    const { add, emit, dispatcher } = setup();
    await add('pager', r.url);
    emit('failed');
    await vi.waitFor(() => expect(r.received).toHaveLength(1));
    const [got] = r.received;
    expect(got!.json).toEqual({
      id: got!.headers['x-kickstand-delivery'],
      event: 'failed',
      at: '2026-12-06T00:00:00.000Z',
      host: { id: 'h0000001', hostname: 'web-01', state: 'failed', boot_mac: '02:00:00:00:00:01' },
      from: 'provisioning',
      message: 'install failed: no disk',
    });
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['x-kickstand-event']).toBe('failed');
    // What a receiver does (docs/notifications.md): HMAC of "<timestamp>.<raw body>" with the secret.
    const timestamp = String(got!.headers['x-kickstand-timestamp']);
    expect(timestamp).toMatch(/^\d{10}$/);
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${got!.body}`).digest('hex')}`;
    expect(got!.headers['x-kickstand-signature']).toBe(expected);
    // …and another secret does not verify it.
    expect(got!.headers['x-kickstand-signature']).not.toBe(
      `sha256=${createHmac('sha256', 'another').update(`${timestamp}.${got!.body}`).digest('hex')}`,
    );
    await vi.waitFor(() => expect(dispatcher.deliveries('pager')).toHaveLength(1));
    expect(dispatcher.deliveries('pager')[0]).toMatchObject({
      event: 'failed',
      host: 'h0000001',
      hostname: 'web-01',
      attempt: 1,
      status: 200,
      outcome: 'delivered',
    });
  });

  it('When the receiver answers 500 then 200, then the delivery is retried with the same id and body and succeeds', async () => {
    const r = await receiver((n) => (n === 1 ? 500 : 200));
    const { add, emit, dispatcher } = setup();
    await add('pager', r.url);
    emit('failed');
    await vi.waitFor(() => expect(dispatcher.deliveries('pager')).toHaveLength(2));
    expect(r.received).toHaveLength(2);
    expect(r.received[1]!.body).toBe(r.received[0]!.body);
    expect(r.received[1]!.headers['x-kickstand-delivery']).toBe(r.received[0]!.headers['x-kickstand-delivery']);
    expect(dispatcher.deliveries('pager').map((d) => [d.attempt, d.status, d.outcome])).toEqual([
      [2, 200, 'delivered'],
      [1, 500, 'retrying'],
    ]);
  });

  it('When the receiver keeps answering 503, then it is tried `attempts` times and marked failed; a 400 is not retried', async () => {
    const down = await receiver(() => 503);
    const refuses = await receiver(() => 400);
    const { add, emit, dispatcher } = setup({ attempts: 3 });
    await add('down', down.url);
    await add('refuses', refuses.url);
    emit('failed');
    await vi.waitFor(() => expect(dispatcher.deliveries('down')[0]?.outcome).toBe('failed'));
    await vi.waitFor(() => expect(dispatcher.deliveries('refuses')[0]?.outcome).toBe('failed'));
    expect(dispatcher.deliveries('down').map((d) => d.attempt)).toEqual([3, 2, 1]);
    expect(down.received).toHaveLength(3);
    expect(dispatcher.deliveries('refuses').map((d) => [d.attempt, d.status])).toEqual([[1, 400]]);
    expect(refuses.received).toHaveLength(1);
  });

  it('When nothing listens at the URL, then the error is logged per attempt and retried', async () => {
    const gone = await receiver();
    const url = gone.url;
    await gone.close();
    receivers.splice(receivers.indexOf(gone), 1);
    const { add, emit, dispatcher } = setup({ attempts: 2 });
    await add('gone', url);
    emit('lost');
    await vi.waitFor(() => expect(dispatcher.deliveries('gone')[0]?.outcome).toBe('failed'));
    expect(dispatcher.deliveries('gone').map((d) => [d.attempt, d.error, d.outcome])).toEqual([
      [2, 'ECONNREFUSED', 'failed'],
      [1, 'ECONNREFUSED', 'retrying'],
    ]);
  });

  it('When webhooks subscribe to different events, then each gets only its own; a disabled one gets none', async () => {
    const failures = await receiver();
    const everything = await receiver();
    const off = await receiver();
    const { add, emit, dispatcher } = setup();
    await add('failures', failures.url, { events: ['failed', 'lost'] });
    await add('everything', everything.url);
    await add('off', off.url, { enabled: false });
    for (const e of ['discovered', 'failed', 'assigned', 'lost'] as const) emit(e);
    await vi.waitFor(() => expect(everything.received).toHaveLength(4));
    await vi.waitFor(() => expect(failures.received).toHaveLength(2));
    // Deliveries of one webhook go in the order the events happened.
    expect(everything.received.map((g) => g.json.event)).toEqual(['discovered', 'failed', 'assigned', 'lost']);
    expect(failures.received.map((g) => g.json.event)).toEqual(['failed', 'lost']);
    expect(off.received).toEqual([]);
    expect(dispatcher.deliveries('off')).toEqual([]);
  });

  it('When a receiver hangs and events keep coming, then its queue keeps the newest `queueCap` and says so at warn', async () => {
    const r = await receiver((n) => (n === 1 ? 'hold' : 200));
    const { add, emit, dispatcher, warnings } = setup({ queueCap: 2 });
    await add('slow', r.url);
    emit('failed', 'h0000001');
    await vi.waitFor(() => expect(r.held()).toBe(1)); // the first is in flight, held
    for (const id of ['h0000002', 'h0000003', 'h0000004', 'h0000005']) emit('failed', id);
    await vi.waitFor(() => expect(warnings.filter((w) => w.msg.includes('queue full'))).toHaveLength(2));
    expect(warnings.map((w) => w.obj.host)).toEqual(['h0000002', 'h0000003']);
    r.release();
    await vi.waitFor(() => expect(r.received).toHaveLength(3));
    expect(r.received.map((g) => (g.json.host as { id: string }).id)).toEqual(['h0000001', 'h0000004', 'h0000005']);
    const dropped = dispatcher.deliveries('slow').filter((d) => d.outcome === 'dropped');
    expect(dropped.map((d) => d.host)).toEqual(['h0000003', 'h0000002']);
  });

  it('When the service stops while a receiver hangs, then stop() ends at its deadline and the attempt is cut short', async () => {
    const r = await receiver(() => 'hold');
    const { add, emit, dispatcher } = setup();
    await add('stuck', r.url);
    emit('failed');
    await vi.waitFor(() => expect(r.held()).toBe(1));
    await dispatcher.stop(20);
    expect(dispatcher.deliveries('stuck')[0]).toMatchObject({ outcome: 'failed', error: 'cut short: the service is stopping' });
    emit('failed'); // stopped: nothing more is queued
    expect(r.received).toHaveLength(1);
  });

  it('When a ping is sent, then the receiver gets event "ping" signed like any other, and the answer is returned', async () => {
    const r = await receiver(() => 204);
    const { add, store, dispatcher } = setup();
    await add('pager', r.url);
    const sent = await dispatcher.ping((await store.webhooks.get('pager'))!);
    expect(sent).toMatchObject({ event: 'ping', status: 204, outcome: 'delivered', attempt: 1 });
    expect(r.received[0]!.json).toMatchObject({ event: 'ping', webhook: 'pager', id: sent.delivery });
    const ts = String(r.received[0]!.headers['x-kickstand-timestamp']);
    expect(r.received[0]!.headers['x-kickstand-signature']).toBe(
      `sha256=${createHmac('sha256', SECRET).update(`${ts}.${r.received[0]!.body}`).digest('hex')}`,
    );
  });
});
