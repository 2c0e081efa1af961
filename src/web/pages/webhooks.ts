// The webhooks page: the list and a new-webhook form (admins), each webhook with its edit form, a ping
// button, delete (confirmed) and this instance's delivery log. Operators see the list and the logs,
// with URLs cut to their origin; nobody sees a secret except in the page that answers its creation.
// Forms become the JSON API's bodies and go through the same use cases (notifications/manage.ts).
import { Router, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { HOST_EVENTS } from '../../events/events.js';
import { AppError } from '../../errors.js';
import { deleteWebhook, listWebhooks, mustGetWebhook, pingWebhook, saveWebhook, webhookDeliveries } from '../../notifications/manage.js';
import { newSecret } from '../../notifications/signature.js';
import { webhookView, type Webhook } from '../../notifications/webhook.js';
import { fieldOf, isFormError } from '../form-errors.js';
import { can, may, type PageKit } from '../kit.js';

type Form = Record<string, string | string[] | undefined>;
interface Typed {
  name: string;
  url: string;
  events: string[];
  enabled: string;
}

const CHANGE = 'change webhooks';
const FIELDS = ['name', 'url', 'events', 'secret', 'confirm'];

function typedOf(w?: Readonly<Webhook>): Typed {
  return {
    name: w?.name ?? '',
    url: w?.url ?? '',
    events: w ? (w.events === 'all' ? ['all'] : [...w.events]) : ['all'],
    enabled: w?.enabled === false ? '' : '1',
  };
}

function listOf(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The form as the API's body: ticking "all" means all, whatever else is ticked. */
function bodyOf(t: Typed, secret: string | undefined): object {
  return {
    name: t.name,
    url: t.url,
    events: t.events.includes('all') ? 'all' : t.events,
    enabled: t.enabled === '1',
    ...(secret ? { secret } : {}),
  };
}

export function webhookPages(deps: Deps, { page, loggedIn, form }: PageKit): Router {
  const router = Router();
  const read = may('webhooks:read', 'see webhooks');
  const write = may('webhooks:write', CHANGE);

  const listPage = async (res: Response, typed: Typed, errors: Record<string, string>, created?: { name: string; secret: string }) =>
    page(res, 'webhooks.njk', {
      title: 'Webhooks',
      nav: 'webhooks',
      webhooks: await listWebhooks(deps, can(res, 'webhooks:write')),
      can_write: can(res, 'webhooks:write'),
      host_events: HOST_EVENTS,
      form: typed,
      errors,
      created,
    });

  const onePage = async (res: Response, name: string, typed: Typed | undefined, errors: Record<string, string>, flash?: string) => {
    const webhook = await mustGetWebhook(deps, name);
    return page(res, 'webhook.njk', {
      title: `Webhook ${name}`,
      nav: 'webhooks',
      webhook: webhookView(webhook, can(res, 'webhooks:write')),
      deliveries: await webhookDeliveries(deps, name),
      can_write: can(res, 'webhooks:write'),
      host_events: HOST_EVENTS,
      form: typed ?? typedOf(webhook),
      errors,
      flash,
    });
  };

  const formError = (err: unknown): Record<string, string> => {
    if (!isFormError(err)) throw err;
    return { [fieldOf(err, FIELDS)]: err.message };
  };

  router.get('/webhooks', loggedIn, read, async (_req, res) => listPage(res, typedOf(), {}));

  router.post('/webhooks', form, loggedIn, write, async (req, res) => {
    const body = req.body as Form;
    const typed: Typed = {
      name: String(body.name ?? ''),
      url: String(body.url ?? ''),
      events: listOf(body.events),
      enabled: body.enabled === '1' ? '1' : '',
    };
    try {
      const saved = await saveWebhook(deps, bodyOf(typed, String(body.secret ?? '') || undefined), 'create', String(res.locals.actor));
      res.status(201);
      // The one time the secret is shown: this answer is not cached (security headers) nor repeated.
      await listPage(res, typedOf(), {}, { name: saved.webhook.name, secret: saved.secret! });
    } catch (err) {
      const errors = formError(err);
      res.status((err as AppError).status);
      await listPage(res, typed, errors);
    }
  });

  router.get('/webhooks/:name', loggedIn, read, async (req, res) => onePage(res, String(req.params.name), undefined, {}));

  router.post('/webhooks/:name', form, loggedIn, write, async (req, res) => {
    const name = String(req.params.name);
    const body = req.body as Form;
    const typed: Typed = { name, url: String(body.url ?? ''), events: listOf(body.events), enabled: body.enabled === '1' ? '1' : '' };
    const secret = body.new_secret === '1' ? newSecret() : String(body.secret ?? '') || undefined;
    try {
      const saved = await saveWebhook(deps, bodyOf(typed, secret), 'replace', String(res.locals.actor));
      await onePage(res, name, undefined, {}, saved.secret ? `Saved. New secret (shown once): ${saved.secret}` : 'Saved.');
    } catch (err) {
      const errors = formError(err);
      res.status((err as AppError).status);
      await onePage(res, name, typed, errors);
    }
  });

  router.post('/webhooks/:name/test', form, loggedIn, write, async (req, res) => {
    const name = String(req.params.name);
    const sent = await pingWebhook(deps, name);
    const answer = sent.status !== undefined ? `HTTP ${sent.status}` : (sent.error ?? 'no answer');
    await onePage(
      res,
      name,
      undefined,
      {},
      `Ping ${sent.outcome === 'delivered' ? 'delivered' : 'failed'}: ${answer} in ${sent.duration_ms} ms.`,
    );
  });

  router.post('/webhooks/:name/delete', form, loggedIn, write, async (req, res) => {
    const name = String(req.params.name);
    try {
      if ((req.body as Form).confirm !== name)
        throw new AppError('VALIDATION', `type the webhook's name (${name}) to delete it`, 'confirm');
      await deleteWebhook(deps, name, String(res.locals.actor));
    } catch (err) {
      const errors = formError(err);
      res.status((err as AppError).status);
      await onePage(res, name, undefined, errors);
      return;
    }
    res.redirect(303, '/webhooks');
  });

  return router;
}
