// How many registrations one client IP may make: a token bucket per IP, refilled at `perMinute` a
// minute and holding at most `perMinute` (a whole rack powering on behind one NAT gets a minute's
// worth at once, then the steady rate). A registration writes a host and a facts file, so a looping
// or hostile client must not fill the disk at network speed; a poll writes nothing and is never
// counted (it does not come through here). The %pre answers 429 by sleeping Retry-After and trying
// again, so a throttled machine is late, never lost.
//
// Memory is bounded by two generations of buckets: new and active IPs go into the current one; when
// it holds half the bound it becomes the previous one and the one before is dropped. An IP seen again
// moves back into the current generation, so a client that keeps trying keeps its (empty) bucket, and
// one that was forgotten only gets a full bucket, as if it were new. (A Map re-ordered on every use
// would be a proper LRU, but V8 makes delete-then-set on a large Map cost O(size).)

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

export const MAX_TRACKED_IPS = 10_000;

/** What a limit counts: an IPv4 address, or an IPv6 /64. One machine can hold a whole /64 (SLAAC
 *  privacy addresses, or just picking any), so counting single IPv6 addresses would be no limit. */
export function limitKey(ip: string): string {
  const address = ip.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) names our interface, not theirs
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${all.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':')}::/64`;
}

export class RegistrationLimit {
  private current = new Map<string, Bucket>();
  private previous = new Map<string, Bucket>();
  private readonly perMs: number;

  /** `perMinute` 0 turns the limit off. */
  constructor(
    readonly perMinute: number,
    private readonly maxIps = MAX_TRACKED_IPS,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /** Takes one registration for `ip`: 0 when it may go ahead, else the whole seconds until it may. */
  take(ip: string, now = Date.now()): number {
    if (this.perMinute <= 0) return 0;
    const bucket = this.bucket(ip, now);
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + Math.max(0, now - bucket.at) * this.perMs);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000));
  }

  /** How many IPs are tracked, at most (tests check the bound). */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  private bucket(ip: string, now: number): Bucket {
    const known = this.current.get(ip);
    if (known) return known;
    if (this.current.size >= this.maxIps / 2) {
      this.previous = this.current;
      this.current = new Map();
    }
    const bucket = this.previous.get(ip) ?? { tokens: this.perMinute, at: now };
    this.current.set(ip, bucket);
    return bucket;
  }
}
