// Where the rate limiters count (login throttling, KICKSTAND_REGISTER_LIMIT, KICKSTAND_KS_LIMIT): in
// this process's memory with the file store (one process: its memory is the whole truth), in the
// database with PostgreSQL (store/postgres/pg-limiters.ts), so every instance behind the load balancer
// counts the same failures and registrations. The limits themselves (login-limit.ts, client-limit.ts)
// only say how many per how long.
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface LimiterOptions {
  /** Names this limiter's keys; every limiter on one store needs its own (they share one table). */
  keyPrefix: string;
  points: number;
  /** Seconds, in whole milliseconds (the database keeps the window's end as a bigint). */
  duration: number;
  /** When the shared store cannot be reached: count in this process's memory instead (true), or fail
   *  the call (false: the caller refuses what it guards). No effect in memory, which cannot be away. */
  countLocallyWhenAway: boolean;
}

export interface Limiters {
  /** A limiter of `points` per `duration` seconds. */
  make(options: LimiterOptions): RateLimiterAbstract;
  /** Drops what this process holds in memory for `key` of a limiter it made (the count itself in
   *  memory; with the database, only what it counted locally while the database was away). */
  forget(limiter: RateLimiterAbstract, key: string): void;
  /** Stops any timer the limiters need. */
  close(): void;
}

export class MemoryLimiters implements Limiters {
  make({ points, duration }: LimiterOptions): RateLimiterAbstract {
    return new RateLimiterMemory({ points, duration });
  }

  forget(limiter: RateLimiterAbstract, key: string): void {
    void limiter.delete(key);
  }

  close(): void {
    // Nothing to stop: RateLimiterMemory drops a key when its window ends.
  }
}
