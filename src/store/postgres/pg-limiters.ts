// The rate limiters on PostgreSQL (util/limiters.ts): rate-limiter-flexible's RateLimiterPostgres on
// the store's pool, every limiter in migration 2's `rate_limits` table under its own key prefix, so a
// login failure or a registration counted by one instance is counted for all of them. Each count is
// one upsert (INSERT … ON CONFLICT DO UPDATE … RETURNING), so two instances taking the last point at
// once are serialised by the row's lock: only one gets it.
//
// When the database cannot be reached, a limiter made with `countLocallyWhenAway` counts in this
// process's memory (rate-limiter-flexible's insuranceLimiter): each instance then allows the limit on
// its own until the database is back. Any other fails the call, and its caller refuses (login).
//
// The table is swept here, once a minute, of rows whose window has ended (a row past its end already
// reads as absent and restarts at its next count, so deleting it changes nothing but the table's
// size); the library's own sweep would run one timer per limiter and never stop.
import type pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../../log.js';
import type { LimiterOptions, Limiters } from '../../util/limiters.js';

const SWEEP_MS = 60_000;

export class PgLimiters implements Limiters {
  private readonly timer: NodeJS.Timeout;
  /** Each limiter's in-memory stand-in for when the database is away. */
  private readonly insurance = new WeakMap<RateLimiterAbstract, RateLimiterMemory>();

  constructor(
    private readonly pool: pg.Pool,
    log?: Pick<Logger, 'warn'>,
  ) {
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => log?.warn({ err }, 'could not sweep ended rate-limit windows'));
    }, SWEEP_MS);
    this.timer.unref();
  }

  make({ keyPrefix, points, duration, countLocallyWhenAway }: LimiterOptions): RateLimiterAbstract {
    const insuranceLimiter = countLocallyWhenAway ? new RateLimiterMemory({ points, duration }) : undefined;
    const limiter = new RateLimiterPostgres({
      storeClient: this.pool,
      storeType: 'pool',
      tableName: 'rate_limits',
      tableCreated: true, // by migration 2: the library must not try to create it
      clearExpiredByTimeout: false, // swept here instead
      keyPrefix,
      points,
      duration,
      ...(insuranceLimiter ? { insuranceLimiter } : {}),
    });
    if (insuranceLimiter) this.insurance.set(limiter, insuranceLimiter);
    return limiter;
  }

  /** The shared count stays: another instance may be counting the key. */
  forget(limiter: RateLimiterAbstract, key: string): void {
    void this.insurance.get(limiter)?.delete(key);
  }

  /** Deletes the rows whose window ended before `now`. */
  async sweep(now = Date.now()): Promise<void> {
    await this.pool.query('DELETE FROM rate_limits WHERE expire < $1', [now]);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
