// How instances hear about each other's writes. Every write commits a NOTIFY on one channel in the same
// statement, so the notice exists exactly when the change does. Each instance LISTENs on its own
// connection and handles notices one at a time, in the order PostgreSQL delivers them — the order the
// transactions committed — so a host seen assigned is never older than the template it was assigned on.
//
// `barrier()` is how a writer knows it has heard everything committed before it: it sends a notice of
// its own and waits for it to come back; every earlier commit's notice was delivered before it.
//
// When the connection is lost, barriers fail (writers get 503) and the listener reconnects every
// second; once back it asks the owner to reload everything, since notices sent meanwhile are gone.
import pg from 'pg';
import type { Logger } from '../../log.js';

export const CHANNEL = 'kickstand';
const BARRIER_TIMEOUT_MS = 10_000;

export interface Notice {
  /** Which instance wrote (an instance ignores its own notices: its copy changed first). */
  from: string;
  /** host · touch · profile · rule · settings · user · installer · webhook · bmc-credentials · expected-host · tag-definition · template · barrier */
  kind: string;
  key: string;
}

export function noticePayload(notice: Notice): string {
  return JSON.stringify([notice.from, notice.kind, notice.key]);
}

function parse(payload: string | undefined): Notice | undefined {
  try {
    const [from, kind, key] = JSON.parse(payload ?? '') as unknown[];
    if (typeof from === 'string' && typeof kind === 'string' && typeof key === 'string') return { from, kind, key };
  } catch {
    // not one of ours
  }
  return undefined;
}

export class Listener {
  private client: pg.Client | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly barriers = new Map<string, { heard: () => void; lost: (err: Error) => void }>();
  private closed = false;
  private barrierCount = 0;

  private constructor(
    readonly instance: string,
    private readonly config: pg.ClientConfig,
    private readonly handle: (notice: Notice) => Promise<void>,
    private readonly reload: () => Promise<void>,
    private readonly log: Pick<Logger, 'warn' | 'info' | 'error'> | undefined,
  ) {}

  static async start(
    instance: string,
    config: pg.ClientConfig,
    handle: (notice: Notice) => Promise<void>,
    reload: () => Promise<void>,
    log?: Pick<Logger, 'warn' | 'info' | 'error'>,
  ): Promise<Listener> {
    const listener = new Listener(instance, config, handle, reload, log);
    await listener.connect(false);
    return listener;
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Resolves once every notice committed before this call has been handled. */
  async barrier(pool: pg.Pool): Promise<void> {
    if (!this.client) throw new Error('not listening to the database (reconnecting)');
    const key = `${++this.barrierCount}`;
    const heard = new Promise<void>((resolve, reject) => this.barriers.set(key, { heard: resolve, lost: reject }));
    // Lost before it is awaited (the NOTIFY still on its way) is not an unhandled rejection: the await has it.
    heard.catch(() => undefined);
    // Not heard back in time (a connection that died without saying so): fail rather than wait forever.
    const timer = setTimeout(() => {
      this.barriers.get(key)?.lost(new Error(`no word back from the database in ${BARRIER_TIMEOUT_MS / 1000} s`));
      this.barriers.delete(key);
    }, BARRIER_TIMEOUT_MS);
    try {
      await pool.query('SELECT pg_notify($1, $2)', [CHANNEL, noticePayload({ from: this.instance, kind: 'barrier', key })]);
      await heard;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
    await this.queue;
  }

  /** A new listening connection; with `reload`, every record is read again before it counts as
   *  connected (notices sent while we were away are gone). Until then writers keep getting 503. */
  private async connect(reload: boolean): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('notification', (msg) => {
      const notice = parse(msg.payload);
      if (!notice) return;
      if (notice.kind === 'barrier') {
        if (notice.from !== this.instance) return;
        // Behind every notice queued before it.
        this.queue = this.queue.then(() => {
          this.barriers.get(notice.key)?.heard();
          this.barriers.delete(notice.key);
        });
        return;
      }
      if (notice.from === this.instance) return;
      this.queue = this.queue.then(() =>
        this.handle(notice).catch((err: unknown) => {
          // A row we could not re-read: read everything again rather than keep a stale copy.
          this.log?.error({ err, notice }, 'could not apply a change from another instance; reloading');
          return this.reload().catch(() => undefined);
        }),
      );
    });
    // Until it is ready a failure is the caller's to handle (the connect below throws); after, lost().
    let ready = false;
    const dropped = (err: Error | undefined): void => {
      if (ready) this.lost(client, err);
    };
    client.on('error', dropped);
    client.on('end', () => dropped(undefined));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (reload) await this.reload();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    ready = true;
    this.client = client;
  }

  private lost(client: pg.Client, err: Error | undefined): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.log?.error({ err }, 'lost the database notification connection; writes answer 503 until it is back');
    // A barrier not heard back has not proven anything: its writer must not go on as if caught up.
    for (const barrier of this.barriers.values()) barrier.lost(new Error('lost the database notification connection'));
    this.barriers.clear();
    void client.end().catch(() => undefined);
    // Each try is a whole new connection that is closed again if anything fails, so there is never
    // more than one connection listening (two would apply every notice twice).
    const retry = (): void => {
      if (this.closed) return;
      this.connect(true)
        .then(() => this.log?.info('database notifications are back; reloaded every record'))
        .catch(() => setTimeout(retry, 1000).unref());
    };
    setTimeout(retry, 1000).unref();
  }
}
