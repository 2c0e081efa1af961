// How a delivery is signed (docs/notifications.md#verifying-a-delivery): HMAC-SHA256 with the webhook's
// secret over `<timestamp>.<body>`, the timestamp (Unix seconds) sent beside it so a receiver can
// refuse a replayed delivery; signing the two together stops an old body being sent with a new time.
import { createHmac, randomBytes } from 'node:crypto';

/** The X-Kickstand-Signature value: `sha256=<hex>`. */
export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A new webhook secret: 32 random bytes, base64url (43 printable characters). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}
