// BMC configuration API (docs/bmc.md#configuration-a-hosts-bmc-and-credential-sets): a host's BMC, and the credential sets BMCs share. Anyone
// who reads hosts sees where a BMC is; those who may power machines (power:write) see its user and set
// it; credential sets are read by them too (to pick one) and changed by admins only
// (bmc-credentials:write). No answer ever carries a password. Routes only wire.
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../deps.js';
import { AppError, errors } from '../errors.js';
import { clearHostBmc, setHostBmc } from '../bmc/configure.js';
import { credentialSetView, deleteCredentialSet, listCredentialSets, mustGetCredentialSet, saveCredentialSet } from '../bmc/credentials.js';
import { bmcView } from '../bmc/bmc.js';
import { bmcViewFor } from '../bmc/views.js';
import { authenticate, can, principalOf } from './auth.js';
import { allows } from '../auth/roles.js';
import { apiCaller } from './caller.js';
import { jsonBody } from './body.js';
import { nameOf, sameName } from './profiles.js';

const LIMIT = 16 * 1024;

export function bmcRoutes(deps: Deps, adminToken: string): Router {
  const router = Router();
  const auth = authenticate(deps, adminToken);
  const read = [auth, can('read')];
  const power = [auth, can('power:write')];
  const credentialsWrite = [auth, can('bmc-credentials:write')];
  const caller = (req: Request, res: Response) => apiCaller(req, res, deps.config.publicUrl);
  const hostId = (req: Request) => String(req.params.id);

  router.get('/api/v1/hosts/:id/bmc', ...read, async (req, res) => {
    const host = await deps.store.hosts.get(hostId(req));
    if (!host) throw errors.hostNotFound(hostId(req));
    if (!host.bmc) throw new AppError('NOT_FOUND', `host ${host.id} has no BMC set`, 'bmc');
    res.json(bmcViewFor(host.bmc, principalOf(res).role));
  });

  router.put('/api/v1/hosts/:id/bmc', ...power, ...jsonBody(LIMIT), async (req, res) => {
    const anyAddress = allows(principalOf(res).role, 'bmc-credentials:write');
    const host = await setHostBmc(deps, hostId(req), req.body, caller(req, res), { anyAddress });
    res.json(bmcView(host.bmc!));
  });

  router.delete('/api/v1/hosts/:id/bmc', ...power, async (req, res) => {
    await clearHostBmc(deps, hostId(req), caller(req, res));
    res.status(204).end();
  });

  // Reading sets: those who set a host's BMC pick a set by name; names and users only.
  router.get('/api/v1/bmc-credentials', ...power, async (_req, res) => {
    res.json({ credentials: await listCredentialSets(deps) });
  });

  router.get('/api/v1/bmc-credentials/:name', ...power, async (req, res) => {
    res.json(credentialSetView(await mustGetCredentialSet(deps, nameOf(req))));
  });

  router.put('/api/v1/bmc-credentials/:name', ...credentialsWrite, ...jsonBody(LIMIT), async (req, res) => {
    res.json(await saveCredentialSet(deps, sameName(req), 'put', String(res.locals.actor)));
  });

  router.delete('/api/v1/bmc-credentials/:name', ...credentialsWrite, async (req, res) => {
    await deleteCredentialSet(deps, nameOf(req), req.query.force === 'true', String(res.locals.actor));
    res.status(204).end();
  });

  return router;
}
