// One writer at a time across every instance sharing a database: what the in-process Mutex is for one
// process (util/mutex.ts), for N of them. A section runs holding a PostgreSQL session advisory lock,
// after a barrier (notifications.ts: every change another instance committed before we got the lock
// is in our copy), and the lock is let go only once the section's writes have committed — so the next
// holder, on any instance, reads what this one wrote. A process that dies holding the lock loses its
// connection, and PostgreSQL lets go of the lock with it.
import type pg from 'pg';
import { AppError, messageOf } from '../../errors.js';
import { Mutex, type Lock } from '../../util/mutex.js';

/** Advisory lock keys (one 64-bit space per database; "KS" and a number, to stay clear of others'). */
export const LOCK_KEYS = {
  migrate: 0x4b53_0000_0001n.toString(),
  hosts: 0x4b53_0000_0002n.toString(),
  templates: 0x4b53_0000_0003n.toString(),
  audit: 0x4b53_0000_0004n.toString(),
} as const;

export class ClusterLock implements Lock {
  private readonly local = new Mutex();

  constructor(
    private readonly pool: pg.Pool,
    private readonly key: string,
    /** Everything other instances committed is in our copy. */
    private readonly catchUp: () => Promise<void>,
    /** Every write this process started has committed (or failed). */
    private readonly settled: () => Promise<void>,
  ) {}

  run<T>(section: () => Promise<T> | T): Promise<T> {
    // One section per process at a time: the rest wait here, not on a database connection each.
    return this.local.run(async () => {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
        await client.query('SELECT pg_advisory_lock($1)', [this.key]);
      } catch (err) {
        throw new AppError('STORAGE_UNAVAILABLE', `cannot reach the database: ${messageOf(err)}`);
      }
      try {
        try {
          await this.catchUp();
        } catch (err) {
          throw new AppError('STORAGE_UNAVAILABLE', `cannot read other instances' changes from the database: ${messageOf(err)}`);
        }
        const result = await section();
        await this.settled();
        return result;
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [this.key]).then(
          () => client.release(),
          (err: unknown) => client.release(err instanceof Error ? err : true),
        );
      }
    });
  }
}
