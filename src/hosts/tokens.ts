// Host tokens: 128 random bits, shown once to the machine, kept only as a sha256 digest. Checking a
// token is one hash and one constant-time compare against the host the URL names: O(1), no scan.
import { hash, randomFillSync } from 'node:crypto';

// Random bytes from the CSPRNG, drawn 4 KB at a time: one call into OpenSSL costs as much as the 16
// bytes a token needs (microseconds on a VM), and a registration storm asks for two per machine. Node
// pools randomUUID()'s entropy the same way. Bytes handed out are never handed out again.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

function randomBytes(n: number): Buffer {
  if (poolAt + n > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const out = Buffer.from(pool.subarray(poolAt, poolAt + n));
  poolAt += n;
  return out;
}

export function newToken(): string {
  return randomBytes(16).toString('base64url');
}

// crypto.hash, the one-shot form: createHash() makes a Hash object (a C++ object with a weak handle
// the garbage collector must finalise) for each call, and every poll checks a token. The one-shot
// form costs less than half, and nothing is left for the collector (docs/performance.md).
export function hashToken(token: string): string {
  return hash('sha256', token, 'base64url');
}

export function tokenMatches(token: string, storedHash: string): boolean {
  return sameText(hashToken(token), storedHash);
}

/** Constant-time comparison of two digests (ASCII text): every character is looked at whatever the
 *  first difference, as timingSafeEqual does for buffers, without copying both into buffers first. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Host ids: 12 characters of lowercase base32 (60 bits), short enough to read over a phone. */
export function newHostId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = randomBytes(12);
  let id = '';
  for (const b of bytes) id += alphabet[b & 31]!;
  return id;
}

// Every waiting machine polls every few seconds, and the hash is most of what checking its token
// costs (docs/performance.md). A token that opened a host record once is remembered with that record
// — a WeakMap entry, gone with the record — and later compared in constant time instead of hashed
// again; the digest it was checked against is kept beside it, so a record whose token changed in place
// is checked afresh. A wrong token is always hashed, and never remembered.
const opened = new WeakMap<object, { digest: string; token: string; expiresAt: string | undefined; expiresMs: number }>();

/** Whether a machine's bearer token opens its host now: it matches, the host is not installed (its
 *  token died then), and its time-to-live after delivery has not run out. */
export function hostTokenValid(
  host: { token_hash: string; token_expires_at?: string },
  token: string | undefined,
  now = Date.now(),
): boolean {
  if (!token || !host.token_hash) return false;
  let seen = opened.get(host);
  if (!seen || seen.digest !== host.token_hash || !sameText(seen.token, token)) {
    if (!tokenMatches(token, host.token_hash)) return false;
    seen = { digest: host.token_hash, token, expiresAt: undefined, expiresMs: Infinity };
    opened.set(host, seen);
  }
  if (host.token_expires_at === undefined) return true;
  if (seen.expiresAt !== host.token_expires_at) {
    seen.expiresAt = host.token_expires_at;
    seen.expiresMs = Date.parse(host.token_expires_at);
  }
  return now < seen.expiresMs;
}
