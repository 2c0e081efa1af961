// GET /healthz — for a load balancer or a supervisor in front of several instances (docs/scale-out.md).
// 200 whenever this process answers, with whether its store takes writes: a database outage makes
// every instance "degraded" alike, and taking them all out of rotation would also stop the waiting
// machines' polls, which go on from memory. Open to anyone, so it says nothing else: no version, no
// address, no counts.
import { Router } from 'express';
import type { Deps } from '../deps.js';

export function healthRoutes(deps: Pick<Deps, 'store'>): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    const { kind, writable } = deps.store.health();
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      status: writable ? 'ok' : 'degraded',
      store: kind,
      writes: writable ? 'accepted' : 'refused, retried until the store is back',
    });
  });
  return router;
}
