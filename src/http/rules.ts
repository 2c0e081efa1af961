// Admin API over discovery rules, their preview, auto-assignment and the auto-provision setting.
import { Router } from 'express';
import type { Deps } from '../deps.js';
import { errors } from '../errors.js';
import { autoAssign } from '../rules/auto-assign.js';
import { deleteRule, saveRule } from '../rules/manage.js';
import { previewRule } from '../rules/preview.js';
import { changeSettings } from '../rules/settings.js';
import { guards } from './auth.js';
import { baseUrl } from './base-url.js';
import { apiCaller } from './caller.js';
import { jsonBody } from './body.js';
import { nameOf, sameName } from './profiles.js';

const LIMIT = 64 * 1024;

export function ruleRoutes(deps: Deps, adminToken: string): Router {
  const router = Router();
  const { read, write } = guards(deps, adminToken);

  router.get('/api/v1/rules', ...read, async (_req, res) => {
    res.json({ rules: await deps.store.rules.list() });
  });

  router.post('/api/v1/rules', ...write, ...jsonBody(LIMIT), async (req, res) => {
    res.status(201).json(await saveRule(deps, req.body, 'create', String(res.locals.actor)));
  });

  // Explaining changes nothing: readers may ask too.
  router.post('/api/v1/rules/preview', ...read, ...jsonBody(LIMIT), async (req, res) => {
    res.json(await previewRule(deps, req.body, baseUrl(req, deps.config.publicUrl)));
  });

  router.get('/api/v1/rules/:name', ...read, async (req, res) => {
    const rule = await deps.store.rules.get(nameOf(req));
    if (!rule) throw errors.ruleNotFound(nameOf(req));
    res.json(rule);
  });

  router.put('/api/v1/rules/:name', ...write, ...jsonBody(LIMIT), async (req, res) => {
    res.json(await saveRule(deps, sameName(req), 'replace', String(res.locals.actor)));
  });

  router.delete('/api/v1/rules/:name', ...write, async (req, res) => {
    await deleteRule(deps, nameOf(req), String(res.locals.actor));
    res.status(204).end();
  });

  router.post('/api/v1/hosts/auto-assign', ...write, async (req, res) => {
    res.json({ results: await autoAssign(deps, 'waiting', apiCaller(req, res, deps.config.publicUrl)) });
  });

  router.post('/api/v1/hosts/:id/auto-assign', ...write, async (req, res) => {
    const [result] = await autoAssign(deps, [String(req.params.id)], apiCaller(req, res, deps.config.publicUrl));
    res.json(result);
  });

  router.get('/api/v1/settings', ...read, async (_req, res) => {
    res.json(await deps.store.settings.get());
  });

  router.patch('/api/v1/settings', ...write, ...jsonBody(LIMIT), async (req, res) => {
    res.json(await changeSettings(deps, req.body, String(res.locals.actor)));
  });

  return router;
}
