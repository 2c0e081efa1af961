// Sends host events to the webhooks that asked for them (docs/notifications.md). It listens to the
// events hub and only queues: the request whose change caused an event has already been answered, or
// is answered without waiting — a registration never waits on a receiver. Each webhook has its own
// queue, sent in order, one delivery at a time; a receiver that is down or slow holds only its own
// queue, which keeps the newest `queueCap` deliveries (the oldest go, logged at warn).
//
// One delivery is tried up to `attempts` times: again after a network error, a timeout, a 5xx or a
// 429, after `retryMs`, then twice as long each time; any other answer is final (a 4xx will not get
// better, a 3xx is not followed — a receiver cannot bounce the POST to another address).
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import type { HostChange } from '../events/events.js';
import { messageOf } from '../errors.js';
import { DeliveryLog, type DeliveryAttempt } from './delivery-log.js';
import { sign } from './signature.js';
import { subscribes, type Webhook } from './webhook.js';
import { setMaxListeners } from 'node:events';
import { pause } from '../util/pause.js';

export interface DispatchOptions {
  /** How long one attempt may take, in ms. */
  timeoutMs: number;
  /** The wait before the first retry, in ms; doubled for each further one. */
  retryMs: number;
  /** Tries per delivery, the first included. */
  attempts: number;
  /** Deliveries waiting per webhook before the oldest is dropped. */
  queueCap: number;
  /** Attempts kept in the delivery log, per webhook. */
  logCap: number;
}

export const DISPATCH_DEFAULTS: DispatchOptions = { timeoutMs: 5_000, retryMs: 1_000, attempts: 5, queueCap: 1_000, logCap: 200 };

export type DispatcherDeps = Pick<Deps, 'store' | 'secrets' | 'log' | 'events'>;

/** One delivery: its body is built once, so every attempt sends the same bytes and id. */
interface Delivery {
  id: string;
  webhook: string;
  event: string;
  body: string;
  host?: string;
  hostname?: string;
}

export const USER_AGENT = 'Kickstand-Webhook/1';

export class Dispatcher {
  readonly options: DispatchOptions;
  private readonly queues = new Map<string, Delivery[]>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly log: DeliveryLog;
  /** Aborted at the end of stop()'s deadline: cuts attempts in flight and retry waits short. */
  private readonly shutdown = new AbortController();
  private stopping = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly deps: DispatcherDeps,
    options: Partial<DispatchOptions> = {},
  ) {
    this.options = { ...DISPATCH_DEFAULTS, ...options };
    this.log = new DeliveryLog(this.options.logCap);
    // Each webhook waiting out a retry listens on this signal until its wait ends: one per webhook, as
    // many as admins made, not a leak (Node warns past 10).
    setMaxListeners(0, this.shutdown.signal);
  }

  /** Listen to the host events from now on. */
  start(): void {
    this.unsubscribe ??= this.deps.events.on((event) => {
      if (event.kind === 'host') void this.route(event);
    });
  }

  /** Stop listening, give queued deliveries until `deadlineMs` to go out, then cut what is left. */
  async stop(deadlineMs = 2_000): Promise<void> {
    this.unsubscribe?.();
    this.stopping = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([Promise.all(this.running.values()), deadline]);
    clearTimeout(timer);
    this.shutdown.abort();
    await Promise.all(this.running.values());
    const left = [...this.queues.values()].reduce((n, q) => n + q.length, 0);
    if (left) this.deps.log.warn({ deliveries: left }, 'webhook deliveries not sent at shutdown');
    this.queues.clear();
  }

  /** The webhook's last attempts on this instance, newest first. */
  deliveries(webhook: string): DeliveryAttempt[] {
    return this.log.of(webhook);
  }

  /** A deleted webhook: its queue and log go with it. */
  forget(webhook: string): void {
    this.queues.delete(webhook);
    this.log.forget(webhook);
  }

  /** One `ping` delivery, sent now and once (POST /api/v1/webhooks/{name}/test): its attempt. */
  async ping(webhook: Readonly<Webhook>): Promise<DeliveryAttempt> {
    const id = randomUUID();
    const body = JSON.stringify({ id, event: 'ping', at: new Date().toISOString(), webhook: webhook.name });
    const attempt = await this.attempt(webhook, { id, webhook: webhook.name, event: 'ping', body }, 1, true);
    this.log.add(attempt);
    return attempt;
  }

  private async route(change: HostChange): Promise<void> {
    try {
      for (const webhook of await this.deps.store.webhooks.list()) {
        if (!subscribes(webhook, change.event)) continue;
        const id = randomUUID();
        const body = JSON.stringify({
          id,
          event: change.event,
          at: change.at,
          host: change.host,
          from: change.from,
          ...(change.message !== undefined ? { message: change.message } : {}),
        });
        this.enqueue({ id, webhook: webhook.name, event: change.event, body, host: change.host.id, ...hostname(change) });
      }
    } catch (err) {
      this.deps.log.error({ err, event: change.event, host: change.host.id }, 'webhook routing failed');
    }
  }

  private enqueue(delivery: Delivery): void {
    if (this.stopping) return;
    const queue = this.queues.get(delivery.webhook) ?? [];
    this.queues.set(delivery.webhook, queue);
    queue.push(delivery);
    if (queue.length > this.options.queueCap) {
      const dropped = queue.shift()!;
      this.deps.log.warn(
        { webhook: dropped.webhook, delivery: dropped.id, event: dropped.event, host: dropped.host, cap: this.options.queueCap },
        'webhook queue full: oldest delivery dropped',
      );
      this.log.add({
        ...entryOf(dropped),
        attempt: 0,
        at: new Date().toISOString(),
        duration_ms: 0,
        error: 'queue full',
        outcome: 'dropped',
      });
    }
    if (!this.running.has(delivery.webhook)) this.run(delivery.webhook);
  }

  private run(name: string): void {
    const work = (async () => {
      const queue = this.queues.get(name);
      while (queue?.length && !this.shutdown.signal.aborted) await this.deliver(queue.shift()!);
    })()
      .catch((err: unknown) => this.deps.log.error({ err, webhook: name }, 'webhook delivery failed'))
      .finally(() => this.running.delete(name));
    this.running.set(name, work);
  }

  private async deliver(delivery: Delivery): Promise<void> {
    for (let attempt = 1; attempt <= this.options.attempts; attempt++) {
      // Read again at each attempt: a webhook changed or disabled meanwhile is honoured at once.
      const webhook = await this.deps.store.webhooks.get(delivery.webhook);
      if (!webhook?.enabled) return;
      const result = await this.attempt(webhook, delivery, attempt, attempt === this.options.attempts);
      this.log.add(result);
      if (result.outcome !== 'retrying') return;
      if (!(await this.sleep(this.options.retryMs * 2 ** (attempt - 1)))) return;
    }
  }

  private async attempt(webhook: Readonly<Webhook>, delivery: Delivery, attempt: number, last: boolean): Promise<DeliveryAttempt> {
    const at = new Date().toISOString();
    const started = performance.now();
    const done = (
      outcome: Omit<DeliveryAttempt, 'delivery' | 'webhook' | 'event' | 'attempt' | 'at' | 'duration_ms'>,
    ): DeliveryAttempt => ({
      ...entryOf(delivery),
      attempt,
      at,
      duration_ms: Math.round(performance.now() - started),
      ...outcome,
    });
    let secret: string;
    try {
      secret = this.deps.secrets.open({ webhook_secret: webhook.secret }).webhook_secret as string;
    } catch {
      return done({ error: "the secret was sealed with another secret.key than this data dir's: set a new one", outcome: 'failed' });
    }
    const timestamp = String(Math.floor(Date.now() / 1000));
    try {
      const res = await fetch(webhook.url, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': USER_AGENT,
          'X-Kickstand-Event': delivery.event,
          'X-Kickstand-Delivery': delivery.id,
          'X-Kickstand-Timestamp': timestamp,
          'X-Kickstand-Signature': sign(secret, timestamp, delivery.body),
        },
        body: delivery.body,
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.shutdown.signal]),
      });
      // The answer's body is not read: nothing in it matters, and a receiver could make it endless.
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return done({ status: res.status, outcome: 'delivered' });
      const again = res.status >= 500 || res.status === 429;
      return done({ status: res.status, outcome: again && !last ? 'retrying' : 'failed' });
    } catch (err) {
      return done({ error: this.failure(err), outcome: last || this.shutdown.signal.aborted ? 'failed' : 'retrying' });
    }
  }

  private failure(err: unknown): string {
    if (this.shutdown.signal.aborted) return 'cut short: the service is stopping';
    const name = (err as { name?: unknown } | null)?.name;
    if (name === 'TimeoutError') return `no answer within ${this.options.timeoutMs} ms`;
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is its cause.
    const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
    return typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : messageOf(err);
  }

  /** Wait `ms`; false when the service is stopping (the delivery gives up). */
  private async sleep(ms: number): Promise<boolean> {
    await pause(ms, this.shutdown.signal);
    return !this.shutdown.signal.aborted;
  }
}

function hostname(change: HostChange): { hostname?: string } {
  return change.host.hostname ? { hostname: change.host.hostname } : {};
}

function entryOf(d: Delivery): Pick<DeliveryAttempt, 'delivery' | 'webhook' | 'event' | 'host' | 'hostname'> {
  return {
    delivery: d.id,
    webhook: d.webhook,
    event: d.event,
    ...(d.host !== undefined ? { host: d.host } : {}),
    ...(d.hostname !== undefined ? { hostname: d.hostname } : {}),
  };
}
