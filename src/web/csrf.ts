// Form tokens: the session's CSRF token on every POST, the login form's cookie token on a login.
import { timingSafeEqual } from 'node:crypto';

/** Whether a posted token is the expected one, compared in constant time. */
export function sameToken(given: unknown, expected: string | undefined): boolean {
  if (typeof given !== 'string' || !expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
