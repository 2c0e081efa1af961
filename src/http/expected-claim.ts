// Choosing and detaching a host's expected-host record (docs/inventory.md#resolution-by-a-person). Routes
// only wire: auth, use case, answer.
import { Router } from 'express';
import type { Deps } from '../deps.js';
import { chooseExpectedHost, detachExpectedHost } from '../expected-hosts/resolve.js';
import { hostListItem } from '../hosts/views.js';
import { guards } from './auth.js';
import { jsonBody } from './body.js';
import { apiCaller } from './caller.js';

const LIMIT = 4 * 1024;

export function expectedClaimRoutes(deps: Deps, adminToken: string): Router {
  const router = Router();
  const { write } = guards(deps, adminToken);

  router.post('/api/v1/hosts/:id/expected', ...write, ...jsonBody(LIMIT), async (req, res) => {
    res.json(hostListItem(await chooseExpectedHost(deps, String(req.params.id), req.body, apiCaller(req, res, deps.config.publicUrl))));
  });

  router.delete('/api/v1/hosts/:id/expected', ...write, async (req, res) => {
    await detachExpectedHost(deps, String(req.params.id), apiCaller(req, res, deps.config.publicUrl));
    res.status(204).end();
  });

  return router;
}
