// A webhook: where host events are POSTed, signed with its secret (docs/notifications.md). The secret
// is kept sealed with the data dir's key (secrets/secret-box.ts) and shown once, when it is made.
import type { HostEventName } from '../events/events.js';

export interface Webhook {
  /** Its id: used in URLs (/api/v1/webhooks/{name}) and in the delivery log. */
  name: string;
  /** http:// or https:// only (checked at save). */
  url: string;
  /** The host events sent; "all" follows HOST_EVENTS as it grows. */
  events: 'all' | HostEventName[];
  /** The HMAC-SHA256 key, sealed (`kickstand-sealed:v1:…`); never in an answer after creation. */
  secret: string;
  enabled: boolean;
  created_at: string;
  updated_at?: string;
}

/** A webhook as answers and pages show it: never its secret; for a role that may not change webhooks,
 *  the URL cut to its origin (a receiver's URL often carries a token of its own, a chat service's
 *  incoming-webhook URL is one). */
export type WebhookView = Omit<Webhook, 'secret'>;

export function webhookView(webhook: Readonly<Webhook>, full: boolean): WebhookView {
  const { secret: _secret, ...rest } = webhook;
  return { ...rest, events: webhook.events === 'all' ? 'all' : [...webhook.events], url: full ? webhook.url : urlOrigin(webhook.url) };
}

/** `https://hooks.example.com/…`: scheme and host only, never credentials, path or query. */
export function urlOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' && !u.search ? '/' : '/…'}`;
  } catch {
    return '…';
  }
}

/** Whether `webhook` wants `event`. */
export function subscribes(webhook: Readonly<Webhook>, event: string): boolean {
  return webhook.enabled && (webhook.events === 'all' || (webhook.events as readonly string[]).includes(event));
}
