// Admin API over installer sources. Routes only wire.
import { Router } from 'express';
import type { Deps } from '../deps.js';
import { deleteInstaller, listInstallers, mustGetInstaller, saveInstaller } from '../installers/manage.js';
import { guards } from './auth.js';
import { jsonBody } from './body.js';
import { nameOf, sameName } from './profiles.js';

export function installerRoutes(deps: Deps, adminToken: string): Router {
  const router = Router();
  const { read, write } = guards(deps, adminToken);

  router.get('/api/v1/installers', ...read, async (_req, res) => {
    res.json({ installers: await listInstallers(deps) });
  });

  router.post('/api/v1/installers', ...write, ...jsonBody(16 * 1024), async (req, res) => {
    res.status(201).json(await saveInstaller(deps, req.body, 'create', String(res.locals.actor)));
  });

  router.get('/api/v1/installers/:name', ...read, async (req, res) => {
    res.json(await mustGetInstaller(deps, nameOf(req), 'name'));
  });

  router.put('/api/v1/installers/:name', ...write, ...jsonBody(16 * 1024), async (req, res) => {
    res.json(await saveInstaller(deps, sameName(req), 'replace', String(res.locals.actor)));
  });

  router.delete('/api/v1/installers/:name', ...write, async (req, res) => {
    await deleteInstaller(deps, nameOf(req), String(res.locals.actor));
    res.status(204).end();
  });

  return router;
}
