// Webhooks as admins manage them: create, replace, delete, ping; read by admins and operators. The
// secret is generated unless given, sealed before it is stored and returned once — in the answer that
// set it — never again, to anyone.
import type { Deps } from '../deps.js';
import { AppError, errors } from '../errors.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import { validators } from '../schemas/validate.js';
import type { HostEventName } from '../events/events.js';
import type { DeliveryAttempt } from './delivery-log.js';
import { newSecret } from './signature.js';
import { urlOrigin, webhookView, type Webhook, type WebhookView } from './webhook.js';

export type WebhookDeps = Pick<Deps, 'store' | 'secrets' | 'notifications' | 'hostsLock'> & AuditDeps;

/** What a save answers: the webhook, and its secret when this save set it (shown this once). */
export interface SavedWebhook {
  webhook: WebhookView;
  secret?: string;
}

/** Every webhook; `full`: the whole URL (admins), else its origin. */
export async function listWebhooks(deps: Pick<Deps, 'store'>, full: boolean): Promise<WebhookView[]> {
  return (await deps.store.webhooks.list()).map((w) => webhookView(w, full));
}

export async function mustGetWebhook(deps: Pick<Deps, 'store'>, name: string): Promise<Readonly<Webhook>> {
  const found = await deps.store.webhooks.get(name);
  if (!found) throw errors.webhookNotFound(name);
  return found;
}

export async function saveWebhook(deps: WebhookDeps, body: unknown, mode: 'create' | 'replace', actor: string): Promise<SavedWebhook> {
  checkUrl((body as { url?: unknown } | null)?.url);
  const input = validators.webhook(body);
  const now = new Date().toISOString();
  const secret = input.secret ?? (mode === 'create' ? newSecret() : undefined);
  const { webhook, durable } = await deps.hostsLock.run(async () => {
    const existing = await deps.store.webhooks.get(input.name);
    if (mode === 'create' && existing) throw errors.nameTaken('webhook', input.name);
    if (mode === 'replace' && !existing) throw errors.webhookNotFound(input.name);
    const record: Webhook = {
      name: input.name,
      url: input.url,
      // The schema checked every item is a HOST_EVENTS name; its derived type cannot follow if/then/else.
      events: input.events === undefined || input.events === 'all' ? 'all' : ((input.events as unknown[]).slice() as HostEventName[]),
      secret: secret === undefined ? existing!.secret : seal(deps, secret),
      enabled: input.enabled ?? true,
      created_at: existing?.created_at ?? now,
      ...(existing ? { updated_at: now } : {}),
    };
    return { webhook: record, durable: deps.store.webhooks.save(record) };
  });
  await durable;
  // The trail keeps the URL's origin only: the rest of a receiver's URL is often a credential.
  const events = webhook.events === 'all' ? 'all' : webhook.events.join(',');
  await audit(
    deps,
    actor,
    `webhook.${mode}`,
    webhook.name,
    `${urlOrigin(webhook.url)} events=${events}${webhook.enabled ? '' : ' disabled'}${secret ? ' new secret' : ''}`,
  );
  return { webhook: webhookView(webhook, true), ...(secret ? { secret } : {}) };
}

export async function deleteWebhook(deps: WebhookDeps, name: string, actor: string): Promise<void> {
  if (!(await deps.store.webhooks.delete(name))) throw errors.webhookNotFound(name);
  deps.notifications.forget(name);
  await audit(deps, actor, 'webhook.delete', name);
}

/** Send a `ping` now, once: what the receiver answered. */
export async function pingWebhook(deps: Pick<Deps, 'store' | 'notifications'>, name: string): Promise<DeliveryAttempt> {
  return deps.notifications.ping(await mustGetWebhook(deps, name));
}

/** The webhook's last delivery attempts on this instance, newest first. */
export async function webhookDeliveries(deps: Pick<Deps, 'store' | 'notifications'>, name: string): Promise<DeliveryAttempt[]> {
  await mustGetWebhook(deps, name);
  return deps.notifications.deliveries(name);
}

/** Only http and https: the schema's pattern says so too, this says it in words and catches what
 *  only a parser sees (`http://` with no host). */
function checkUrl(url: unknown): void {
  if (typeof url !== 'string') return;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname)
    throw new AppError('VALIDATION', 'url must be an http:// or https:// URL with a host', 'url');
}

function seal(deps: Pick<Deps, 'secrets'>, secret: string): string {
  // Sealed like a `*_secret` param (secrets/secret-box.ts): same key, same format, same rotation story.
  return deps.secrets.protect({ webhook_secret: secret }).webhook_secret as string;
}
