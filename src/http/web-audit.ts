// The audit page: who changed what, newest first (the latest 500).
import { Router } from 'express';
import type { Deps } from '../deps.js';
import type { PageKit } from './web-kit.js';

export function auditPage(deps: Deps, { page, loggedIn }: PageKit): Router {
  const router = Router();
  router.get('/audit', loggedIn, async (_req, res) => {
    page(res, 'audit.njk', { title: 'Audit', nav: 'audit', entries: (await deps.store.listAudit()).slice(0, 500) });
  });
  return router;
}
