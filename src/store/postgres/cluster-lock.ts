// One writer at a time across every instance sharing a database: what the in-process Mutex is for one
// process (util/mutex.ts), for N of them. Sections run holding a PostgreSQL session advisory lock,
// after a barrier (notifications.ts: every change another instance committed before we got the lock
// is in our copy), and the lock is let go only once the sections' writes have committed — so the next
// holder, on any instance, reads what this one wrote. A process that dies holding the lock loses its
// connection, and PostgreSQL lets go of the lock with it.
//
// Sections waiting in this process when the lock comes free run together under one acquisition (at
// most MAX_BATCH, one after the other, each seeing the ones before it as in one process): one lock,
// one barrier and one unlock for the lot, and their writes commit side by side on the pool, instead of
// four round trips each. Each caller still hears back only once its writes have committed.
import type pg from 'pg';
import { AppError, messageOf } from '../../errors.js';
import type { Lock } from '../../util/mutex.js';

/** Advisory lock keys (one 64-bit space per database; "KS" and a number, to stay clear of others'). */
export const LOCK_KEYS = {
  migrate: 0x4b53_0000_0001n.toString(),
  hosts: 0x4b53_0000_0002n.toString(),
  templates: 0x4b53_0000_0003n.toString(),
  audit: 0x4b53_0000_0004n.toString(),
} as const;

/** Sections run under one acquisition at most: another instance waits no longer than this many. */
const MAX_BATCH = 64;

interface Waiting {
  section: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class ClusterLock implements Lock {
  private readonly waiting: Waiting[] = [];
  private draining = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly key: string,
    /** Everything other instances committed is in our copy. */
    private readonly catchUp: () => Promise<void>,
    /** Every write this process started has committed (or failed). */
    private readonly settled: () => Promise<void>,
  ) {}

  run<T>(section: () => Promise<T> | T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ section, resolve: resolve as (value: unknown) => void, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.waiting.length) await this.runBatch(this.waiting.splice(0, MAX_BATCH));
    } finally {
      this.draining = false;
    }
  }

  private async runBatch(batch: Waiting[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      for (const w of batch) w.reject(new AppError('STORAGE_UNAVAILABLE', `cannot reach the database: ${messageOf(err)}`));
      return;
    }
    try {
      await client.query('SELECT pg_advisory_lock($1)', [this.key]);
    } catch (err) {
      client.release(true);
      for (const w of batch) w.reject(new AppError('STORAGE_UNAVAILABLE', `cannot reach the database: ${messageOf(err)}`));
      return;
    }
    try {
      try {
        await this.catchUp();
      } catch (err) {
        const refused = new AppError('STORAGE_UNAVAILABLE', `cannot read other instances' changes from the database: ${messageOf(err)}`);
        for (const w of batch) w.reject(refused);
        return;
      }
      const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
      for (const w of batch) {
        try {
          outcomes.push({ ok: true, value: await w.section() });
        } catch (err) {
          outcomes.push({ ok: false, err });
        }
      }
      await this.settled();
      batch.forEach((w, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) w.resolve(outcome.value);
        else w.reject(outcome.err);
      });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [this.key]).then(
        () => client.release(),
        (err: unknown) => client.release(err instanceof Error ? err : true),
      );
    }
  }
}
