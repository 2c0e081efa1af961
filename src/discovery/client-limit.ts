// How often one client may do something that costs us work: register (KICKSTAND_REGISTER_LIMIT) or
// have its stub fetch noted on a host's timeline (KICKSTAND_KS_LIMIT). Counted per client IP, an IPv6
// client per /64, on rate-limiter-flexible's RateLimiterMemory (a maintained limiter rather than our
// own arithmetic).
//
// Two fixed windows make the bucket: a steady one (1 per 60/N s) and, when that is used up, a burst
// one (N − 1 a minute), rate-limiter-flexible's BurstyRateLimiter pattern. A whole rack powering on
// behind one NAT gets N at once, then one every 60/N s, and the answer to the one refused says when
// the next one is due (the steady window's end: at most 60/N s), so a %pre that sleeps Retry-After
// comes back in time. A client that never stops gets at most 2N − 1 a minute (the burst window
// restarts a minute after it began).
//
// Memory is bounded by two generations of keys: new and active keys go into the current one; when it
// holds half the bound it becomes the previous one, and the keys of the one before that, not seen
// since, are deleted from the limiters (their timers cleared). A key seen again is noted in the
// current generation and keeps its (empty) windows; a forgotten one starts full, as if new. The
// limiters also drop a key by themselves when its windows end.
import ipaddr from 'ipaddr.js';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

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

export class ClientLimit {
  private readonly steady: RateLimiterMemory | undefined;
  private readonly burst: RateLimiterMemory | undefined;
  private readonly limiter: BurstyRateLimiter | undefined;
  private current = new Set<string>();
  private previous = new Set<string>();

  /** `perMinute` 0 turns the limit off. */
  constructor(
    readonly perMinute: number,
    private readonly maxKeys = MAX_TRACKED_IPS,
  ) {
    if (perMinute <= 0) return;
    this.steady = new RateLimiterMemory({ points: 1, duration: 60 / perMinute });
    this.burst = new RateLimiterMemory({ points: perMinute - 1, duration: 60 });
    this.limiter = new BurstyRateLimiter(this.steady, this.burst);
  }

  /** Takes one action for `key` (see limitKey): 0 when it may go ahead, else the whole seconds until
   *  it may. The count is taken synchronously inside the limiter, so concurrent calls never both get
   *  the last one. */
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
        void this.steady?.delete(old);
        void this.burst?.delete(old);
      }
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(key);
  }
}
