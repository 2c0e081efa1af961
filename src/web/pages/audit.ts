// The audit page: who changed what, newest first, filtered by actor, action and target, a page at a
// time (the same query and checks as GET /api/v1/audit). A bad filter comes back next to its field.
import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { parseAuditQuery, readAudit } from '../../audit/query.js';
import { isFormError } from '../form-errors.js';
import type { PageKit } from '../kit.js';

const FIELDS = ['actor', 'action', 'target', 'limit', 'cursor'];

export function auditPage(deps: Deps, { page, loggedIn }: PageKit): Router {
  const router = Router();
  router.get('/audit', loggedIn, async (req, res) => {
    const typed = Object.fromEntries(FIELDS.map((f) => [f, typeof req.query[f] === 'string' ? req.query[f] : '']));
    try {
      const { entries, next } = await readAudit(deps, parseAuditQuery(req.query));
      const older = next === undefined ? undefined : `/audit?${new URLSearchParams({ ...typed, cursor: String(next) }).toString()}`;
      const newest = typed.cursor ? `/audit?${new URLSearchParams({ ...typed, cursor: '' }).toString()}` : undefined;
      page(res, 'audit.njk', { title: 'Audit', nav: 'audit', entries, filter: typed, older, newest });
    } catch (err) {
      if (!isFormError(err)) throw err;
      res.status(err.status);
      page(res, 'audit.njk', {
        title: 'Audit',
        nav: 'audit',
        entries: [],
        filter: typed,
        error: { field: err.field, message: err.message },
      });
    }
  });
  return router;
}
