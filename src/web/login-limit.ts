// Login throttling that slows guessing without letting anyone lock a user out (issue 13, item 7).
// Three counters of failed logins, in memory (RateLimiterMemory; a restart forgets them, which only
// gives a guesser a fresh start, never locks anyone):
//  - per (address, user name): 4 failures cost nothing; the 5th and each further one make that pair
//    wait 1, 2, 4 … s, at most 15 min. Only the address that guesses waits; the user elsewhere does not.
//  - per address: 30 failures over all names cost nothing; the 31st and further ones make the address
//    wait 1, 2, 4 … s, at most 15 min: one source guessing many names.
//  - per user name, from every address: it never refuses, it only slows each attempt for that name by
//    0.5 s per failure past 5, at most 3 s — a spread-out guess costs time, the real user still gets in.
// An "address" is an IPv4 address or an IPv6 /64 (limitKey: one machine can hold a whole /64).
// A success clears its (address, name) pair only: a guesser who knows one password cannot reset the
// counters of the names it guesses.
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { limitKey } from '../discovery/client-limit.js';

export const LOGIN_LIMITS = {
  pair: { free: 4, windowS: 3600, maxWaitS: 900 },
  address: { free: 30, windowS: 900, maxWaitS: 900 },
  name: { free: 5, stepMs: 500, maxSlowMs: 3000, windowS: 900 },
} as const;

export interface LoginGate {
  /** Seconds this address must wait before trying this name again (429 with Retry-After), or 0. */
  retryAfter: number;
  /** How long to hold the attempt before checking the password (per-name slowing), in ms. */
  slowMs: number;
}

/** `failures` counts over a window; `waits` holds the blocks the counts decided. */
class Counter {
  private readonly failures: RateLimiterMemory;
  private readonly waits: RateLimiterMemory;

  constructor(windowS: number) {
    // `points` is never consumed through consume(): penalty() counts, block() waits.
    this.failures = new RateLimiterMemory({ points: 1_000_000, duration: windowS });
    this.waits = new RateLimiterMemory({ points: 1, duration: windowS });
  }

  /** Adds a failure; returns how many there are now in the window. */
  async fail(key: string): Promise<number> {
    return (await this.failures.penalty(key, 1)).consumedPoints;
  }

  async count(key: string): Promise<number> {
    return (await this.failures.get(key))?.consumedPoints ?? 0;
  }

  async block(key: string, seconds: number): Promise<void> {
    await this.waits.block(key, seconds);
  }

  /** Milliseconds left of a block, or 0. */
  async waiting(key: string): Promise<number> {
    const res = await this.waits.get(key);
    return res && res.consumedPoints > 1 ? Math.max(0, res.msBeforeNext) : 0;
  }

  async clear(key: string): Promise<void> {
    await Promise.all([this.failures.delete(key), this.waits.delete(key)]);
  }
}

/** 1, 2, 4 … seconds for each failure past the free ones, at most `max`. */
function progressive(failures: number, free: number, max: number): number {
  return failures <= free ? 0 : Math.min(max, 2 ** Math.min(20, failures - free - 1));
}

export class LoginLimit {
  private readonly pair = new Counter(LOGIN_LIMITS.pair.windowS);
  private readonly address = new Counter(LOGIN_LIMITS.address.windowS);
  private readonly name = new Counter(LOGIN_LIMITS.name.windowS);

  async check(peer: string, name: string): Promise<LoginGate> {
    const ip = limitKey(peer);
    const wait = Math.max(await this.pair.waiting(pairKey(ip, name)), await this.address.waiting(ip));
    const { free, stepMs, maxSlowMs } = LOGIN_LIMITS.name;
    const overName = (await this.name.count(nameKey(name))) - free;
    return { retryAfter: Math.ceil(wait / 1000), slowMs: overName > 0 ? Math.min(maxSlowMs, overName * stepMs) : 0 };
  }

  async fail(peer: string, name: string): Promise<void> {
    const ip = limitKey(peer);
    const { pair, address } = LOGIN_LIMITS;
    const pairWait = progressive(await this.pair.fail(pairKey(ip, name)), pair.free, pair.maxWaitS);
    if (pairWait) await this.pair.block(pairKey(ip, name), pairWait);
    const addressWait = progressive(await this.address.fail(ip), address.free, address.maxWaitS);
    if (addressWait) await this.address.block(ip, addressWait);
    await this.name.fail(nameKey(name));
  }

  async succeed(peer: string, name: string): Promise<void> {
    await this.pair.clear(pairKey(limitKey(peer), name));
  }
}

const nameKey = (name: string) => name.trim().toLowerCase();
const pairKey = (ip: string, name: string) => `${ip} ${nameKey(name)}`;
