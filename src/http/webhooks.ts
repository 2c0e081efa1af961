// Webhooks API (docs/api.md#webhooks). Admins change webhooks and see their whole URL; operators read
// them with the URL cut to its origin; nobody reads a secret after the answer that set it. Routes
// only wire.
import { Router, type Response } from 'express';
import type { Deps } from '../deps.js';
import { allows } from '../auth/roles.js';
import { deleteWebhook, listWebhooks, mustGetWebhook, pingWebhook, saveWebhook, webhookDeliveries } from '../notifications/manage.js';
import { webhookView } from '../notifications/webhook.js';
import { authenticate, can, principalOf } from './auth.js';
import { jsonBody } from './body.js';
import { nameOf, sameName } from './profiles.js';

const LIMIT = 16 * 1024;

export function webhookRoutes(deps: Deps, adminToken: string): Router {
  const router = Router();
  const auth = authenticate(deps, adminToken);
  const read = [auth, can('webhooks:read')];
  const write = [auth, can('webhooks:write')];
  const full = (res: Response) => allows(principalOf(res).role, 'webhooks:write');

  router.get('/api/v1/webhooks', ...read, async (_req, res) => {
    res.json({ webhooks: await listWebhooks(deps, full(res)) });
  });

  router.post('/api/v1/webhooks', ...write, ...jsonBody(LIMIT), async (req, res) => {
    res.status(201).json(await saveWebhook(deps, req.body, 'create', String(res.locals.actor)));
  });

  router.get('/api/v1/webhooks/:name', ...read, async (req, res) => {
    res.json(webhookView(await mustGetWebhook(deps, nameOf(req)), full(res)));
  });

  router.put('/api/v1/webhooks/:name', ...write, ...jsonBody(LIMIT), async (req, res) => {
    res.json(await saveWebhook(deps, sameName(req), 'replace', String(res.locals.actor)));
  });

  router.delete('/api/v1/webhooks/:name', ...write, async (req, res) => {
    await deleteWebhook(deps, nameOf(req), String(res.locals.actor));
    res.status(204).end();
  });

  // A ping reaches an address of the admin's choosing from inside the network: admins only, like a change.
  router.post('/api/v1/webhooks/:name/test', ...write, async (req, res) => {
    res.json(await pingWebhook(deps, nameOf(req)));
  });

  router.get('/api/v1/webhooks/:name/deliveries', ...read, async (req, res) => {
    res.json({ deliveries: await webhookDeliveries(deps, nameOf(req)) });
  });

  return router;
}
