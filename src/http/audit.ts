// GET /api/v1/audit — who changed what, newest first, any role: ?actor= &action= (exact, or a prefix
// ending in *) &target= &limit= (default 100, at most 1000) &cursor= (the previous page's `next`).
import { Router } from 'express';
import type { Deps } from '../deps.js';
import { parseAuditQuery, readAudit } from '../audit/query.js';
import { guards } from './auth.js';

export function auditRoutes(deps: Deps, adminToken: string): Router {
  const router = Router();
  const { read } = guards(deps, adminToken);
  router.get('/api/v1/audit', ...read, async (req, res) => {
    const { entries, next } = await readAudit(deps, parseAuditQuery(req.query));
    res.json({ entries, ...(next !== undefined ? { next } : {}) });
  });
  return router;
}
