// GET /api/v1/audit — who changed what, newest first; ?limit= (default 200, at most 5000).
import { Router } from 'express';
import type { Deps } from '../deps.js';
import { guards } from './auth.js';

export function auditRoutes(deps: Deps, adminToken: string): Router {
  const router = Router();
  const { read } = guards(deps, adminToken);
  router.get('/api/v1/audit', ...read, async (req, res) => {
    const limit = Math.min(5000, Math.max(1, Number.parseInt(String(req.query.limit ?? '200'), 10) || 200));
    res.json({ entries: (await deps.store.listAudit()).slice(0, limit) });
  });
  return router;
}
