// How often one client may do something that costs us work: register (KICKSTAND_REGISTER_LIMIT) or
// have its stub fetch noted on a host's timeline (KICKSTAND_KS_LIMIT). Counted per client IP, an IPv6
// client per /64, on rate-limiter-flexible's limiters (a maintained limiter rather than our own
// arithmetic): in memory with the file store, in the database every instance shares with PostgreSQL
// (util/limiters.ts), so a client spreading its requests over the instances behind a load balancer
// gets N a minute in all, not N per instance.
//
// Two fixed windows make the bucket: a steady one (1 per 60/N s) and, when that is used up, a burst
// one (N − 1 a minute), rate-limiter-flexible's BurstyRateLimiter pattern. A whole rack powering on
// behind one NAT gets N at once, then one every 60/N s, and the answer to the one refused says when
// the next one is due (the steady window's end: at most 60/N s), so a %pre that sleeps Retry-After
// comes back in time. A client that never stops gets at most 2N − 1 a minute (the burst window
// restarts a minute after it began).
//
// When the database is away the limiters count in this process's memory (their insuranceLimiter):
// registrations need the database anyway, and a limit per instance is better than none or than
// refusing every machine because a counter is out of reach.
//
// Memory is bounded by two generations of keys: new and active keys go into the current one; when it
// holds half the bound it becomes the previous one, and the keys of the one before that, not seen
// since, are forgotten by the limiters (their timers cleared; with the database only the counts kept
// locally during an outage: the shared rows end with their window, pg-limiters.ts). A key seen again
// is noted in the current generation and keeps its (empty) windows; a forgotten one starts full, as if
// new. The limiters also drop a key by themselves when its windows end.
import ipaddr from 'ipaddr.js';
import { BurstyRateLimiter, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { MemoryLimiters, type Limiters } from '../util/limiters.js';

export const MAX_TRACKED_IPS = 10_000;

/** What a limit counts: an IPv4 address, or an IPv6 /64. One machine can hold a whole /64 (SLAAC
 *  privacy addresses, or just picking any), so counting single IPv6 addresses would be no limit. An
 *  IPv4-mapped IPv6 address counts as the IPv4 address it carries. */
export function limitKey(ip: string): string {
  const address = ip.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) names our interface, not theirs
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${(parsed as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

export interface ClientLimitOptions {
  /** Where it counts (default: this process's memory). */
  limiters?: Limiters;
  /** Names its counts among the others on one store: `register`, `ks`. */
  name?: string;
  /** The most keys tracked in memory. */
  maxKeys?: number;
}

export class ClientLimit {
  private readonly steady: RateLimiterAbstract | undefined;
  private readonly burst: RateLimiterAbstract | undefined;
  private readonly limiter: BurstyRateLimiter | undefined;
  private readonly limiters: Limiters;
  private readonly maxKeys: number;
  private current = new Set<string>();
  private previous = new Set<string>();

  /** `perMinute` 0 turns the limit off. */
  constructor(
    readonly perMinute: number,
    { limiters = new MemoryLimiters(), name = 'client', maxKeys = MAX_TRACKED_IPS }: ClientLimitOptions = {},
  ) {
    this.limiters = limiters;
    this.maxKeys = maxKeys;
    if (perMinute <= 0) return;
    // Whole milliseconds: the database keeps a window's end as a bigint (60/7 s would be refused).
    const steadyS = Math.max(1, Math.round(60_000 / perMinute)) / 1000;
    this.steady = limiters.make({ keyPrefix: `${name}-steady`, points: 1, duration: steadyS, countLocallyWhenAway: true });
    this.burst = limiters.make({ keyPrefix: `${name}-burst`, points: perMinute - 1, duration: 60, countLocallyWhenAway: true });
    this.limiter = new BurstyRateLimiter(this.steady, this.burst);
  }

  /** Takes one action for `key` (see limitKey): 0 when it may go ahead, else the whole seconds until
   *  it may. The count is taken in one step inside the limiter (synchronously in memory, one upsert in
   *  the database), so concurrent calls, on any instance, never both get the last one. */
  async take(key: string): Promise<number> {
    if (!this.limiter) return 0;
    this.track(key);
    try {
      await this.limiter.consume(key);
      return 0;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      return Math.max(1, Math.ceil(err.msBeforeNext / 1000));
    }
  }

  /** How many keys are tracked, at most (tests check the bound). */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  private track(key: string): void {
    if (this.current.has(key)) return;
    if (this.current.size >= this.maxKeys / 2) {
      for (const old of this.previous) {
        if (this.current.has(old)) continue;
        if (this.steady) this.limiters.forget(this.steady, old);
        if (this.burst) this.limiters.forget(this.burst, old);
      }
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(key);
  }
}
