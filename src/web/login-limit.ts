// Login rate limit: after 5 failures for one address, or for one user name, within 15 minutes, further
// attempts are refused until the window passes. Counting by name too stops a spread-out guess at one
// account; counting by address stops one client guessing many accounts.
const WINDOW_MS = 15 * 60_000;
const MAX_FAILURES = 5;
const MAX_KEYS = 50_000;

export class LoginLimit {
  private readonly failures = new Map<string, number[]>();

  /** Seconds to wait before another attempt, or 0. */
  retryAfter(ip: string, name: string, now = Date.now()): number {
    const worst = Math.max(this.wait(`ip:${ip}`, now), this.wait(`user:${name.toLowerCase()}`, now));
    return Math.ceil(worst / 1000);
  }

  fail(ip: string, name: string, now = Date.now()): void {
    if (this.failures.size > MAX_KEYS) this.failures.clear(); // a flood of names: start over rather than grow
    for (const key of [`ip:${ip}`, `user:${name.toLowerCase()}`]) {
      const recent = (this.failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
      recent.push(now);
      this.failures.set(key, recent);
    }
  }

  succeed(ip: string, name: string): void {
    this.failures.delete(`ip:${ip}`);
    this.failures.delete(`user:${name.toLowerCase()}`);
  }

  private wait(key: string, now: number): number {
    const recent = (this.failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
    if (recent.length < MAX_FAILURES) return 0;
    return WINDOW_MS - (now - recent[recent.length - MAX_FAILURES]!);
  }
}
