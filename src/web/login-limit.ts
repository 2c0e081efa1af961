// Login throttling that slows guessing without letting anyone lock a user out (issue 13, item 7).
// Three counters of failed logins, on rate-limiter-flexible's limiters (util/limiters.ts): in memory
// with the file store (a restart forgets them, which only gives a guesser a fresh start, never locks
// anyone), in the database with PostgreSQL, so a guesser spreading its tries over every instance
// behind the load balancer meets the same counts:
//  - per (address, user name): 4 failures cost nothing; the 5th and each further one make that pair
//    wait 1, 2, 4 … s, at most 15 min. Only the address that guesses waits; the user elsewhere does not.
//  - per address: 30 failures over all names cost nothing; the 31st and further ones make the address
//    wait 1, 2, 4 … s, at most 15 min: one source guessing many names.
//  - per user name, from every address: it never refuses, it only slows each attempt for that name by
//    0.5 s per failure past 5, at most 3 s — a spread-out guess costs time, the real user still gets in.
// An "address" is an IPv4 address or an IPv6 /64 (limitKey: one machine can hold a whole /64).
// A success clears its (address, name) pair only: a guesser who knows one password cannot reset the
// counters of the names it guesses.
//
// When the database holding the counts cannot be reached, logins fail closed: 503 STORAGE_UNAVAILABLE,
// no password checked. The users are still in every instance's memory, so counting locally instead
// would let a guesser try N times per instance for as long as the outage lasts; refusing costs people
// a login for that time, which the rest of the service (sessions are in the same database) costs them
// anyway.
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { limitKey } from '../discovery/client-limit.js';
import { AppError, messageOf } from '../errors.js';
import { MemoryLimiters, type Limiters } from '../util/limiters.js';

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
  private readonly failures: RateLimiterAbstract;
  private readonly waits: RateLimiterAbstract;

  constructor(limiters: Limiters, name: string, windowS: number) {
    // `points` is never consumed through consume(): penalty() counts, block() waits.
    this.failures = limiters.make({
      keyPrefix: `login-${name}-failures`,
      points: 1_000_000,
      duration: windowS,
      countLocallyWhenAway: false,
    });
    this.waits = limiters.make({ keyPrefix: `login-${name}-waits`, points: 1, duration: windowS, countLocallyWhenAway: false });
  }

  /** Adds a failure; returns how many there are now in the window. */
  async fail(key: string): Promise<number> {
    return (await reach(this.failures.penalty(key, 1))).consumedPoints;
  }

  async count(key: string): Promise<number> {
    return (await reach(this.failures.get(key)))?.consumedPoints ?? 0;
  }

  async block(key: string, seconds: number): Promise<void> {
    await reach(this.waits.block(key, seconds));
  }

  /** Milliseconds left of a block, or 0. */
  async waiting(key: string): Promise<number> {
    const res = await reach(this.waits.get(key));
    return res && res.consumedPoints > 1 ? Math.max(0, res.msBeforeNext) : 0;
  }

  async clear(key: string): Promise<void> {
    await reach(Promise.all([this.failures.delete(key), this.waits.delete(key)]));
  }
}

/** A count that could not be read or written (the database is away): the login is refused (see top). */
async function reach<T>(counting: Promise<T>): Promise<T> {
  try {
    return await counting;
  } catch (err) {
    throw new AppError(
      'STORAGE_UNAVAILABLE',
      `cannot reach the failed-login counts in the database, so no login is checked: ${messageOf(err)}`,
    );
  }
}

/** 1, 2, 4 … seconds for each failure past the free ones, at most `max`. */
function progressive(failures: number, free: number, max: number): number {
  return failures <= free ? 0 : Math.min(max, 2 ** Math.min(20, failures - free - 1));
}

export class LoginLimit {
  private readonly pair: Counter;
  private readonly address: Counter;
  private readonly name: Counter;

  /** `limiters`: where the counts live (default: this process's memory). */
  constructor(limiters: Limiters = new MemoryLimiters()) {
    this.pair = new Counter(limiters, 'pair', LOGIN_LIMITS.pair.windowS);
    this.address = new Counter(limiters, 'address', LOGIN_LIMITS.address.windowS);
    this.name = new Counter(limiters, 'name', LOGIN_LIMITS.name.windowS);
  }

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

// PostgreSQL text cannot hold U+0000, which anyone can type into the name box.
const nameKey = (name: string) => name.trim().toLowerCase().replaceAll('\0', '\uFFFD');
const pairKey = (ip: string, name: string) => `${ip} ${nameKey(name)}`;
