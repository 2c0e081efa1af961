// The admin API over hosts. Routes only wire: auth, body, use case, response.
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../deps.js';
import { AppError, errors } from '../errors.js';
import { assignHost, deleteHost } from '../hosts/assign.js';
import { hostDetail, hostListItem } from '../hosts/views.js';
import { readHostQuery, runHostQuery } from '../hosts/query.js';
import { reprovisionHost, resetHost } from '../hosts/reset.js';
import { clearBootKey, setBootKey } from '../hosts/boot-key.js';
import { releaseConflict } from '../discovery/conflict.js';
import { hostBootEntries } from '../boot/per-host.js';
import { validators } from '../schemas/validate.js';
import { renderKickstart } from '../kickstart/render/index.js';
import { can, guards } from './auth.js';
import { baseUrl } from './base-url.js';
import { apiCaller } from './caller.js';
import { jsonBody } from './body.js';

const ADMIN_BODY_LIMIT = 64 * 1024;

export function hostRoutes(deps: Deps, adminToken: string): Router {
  const router = Router();
  const { auth, read, write } = guards(deps, adminToken);
  const admin = [auth, can('users:write')];
  const caller = (req: Request, res: Response) => apiCaller(req, res, deps.config.publicUrl);

  // Filtered, sorted, paged (docs/api.md#listing-hosts); without `limit`, every matching host as before.
  router.get('/api/v1/hosts', ...read, async (req, res) => {
    const query = readHostQuery(req.query);
    const started = performance.now();
    const { hosts, total, next_cursor } = runHostQuery(await deps.store.hosts.list(), query);
    res.setHeader('Server-Timing', `query;dur=${(performance.now() - started).toFixed(1)}`);
    res.json({ hosts: hosts.map(hostListItem), total, next_cursor });
  });

  router.get('/api/v1/hosts/:id', ...read, async (req, res) => {
    const host = await mustGet(deps, hostId(req));
    res.json(hostDetail(host, await deps.store.hosts.getFacts(host.id)));
  });

  router.post('/api/v1/hosts/:id/assignment', ...write, ...jsonBody(ADMIN_BODY_LIMIT), async (req, res) => {
    const host = await assignHost(deps, hostId(req), req.body, caller(req, res));
    res.json(hostListItem(host));
  });

  // What this host's poll would receive now. Rendered kickstarts hold password hashes: operators only.
  router.get('/api/v1/hosts/:id/kickstart', ...write, async (req, res) => {
    const host = await mustGet(deps, hostId(req));
    if (host.assignment?.action !== 'kickstart') throw new AppError('NOT_FOUND', `host ${host.id} has no kickstart assignment`);
    const facts = await deps.store.hosts.getFacts(host.id);
    if (!facts) throw errors.factsUnreadable();
    const text = renderKickstart(deps, host, facts, host.assignment, baseUrl(req, deps.config.publicUrl));
    res.type('text/plain; charset=utf-8').send(text);
  });

  router.post('/api/v1/hosts/:id/reset', ...write, async (req, res) => {
    res.json(hostListItem(await resetHost(deps, hostId(req), caller(req, res))));
  });

  router.post('/api/v1/hosts/:id/reprovision', ...write, async (req, res) => {
    res.json(hostListItem(await reprovisionHost(deps, hostId(req), caller(req, res))));
  });

  // The tail of the installer's logs a failed install sent (%onerror).
  router.get('/api/v1/hosts/:id/install-log', ...read, async (req, res) => {
    const host = await mustGet(deps, hostId(req));
    const log = await deps.store.hosts.getInstallLog(host.id);
    if (log === undefined) throw errors.noInstallLog(host.id);
    res.type('text/plain; charset=utf-8').send(log);
  });

  // Give the host to the machine that claimed its identity (docs/discovery.md#identity-conflicts).
  router.post('/api/v1/hosts/:id/conflict/release', ...write, async (req, res) => {
    res.json(hostListItem(await releaseConflict(deps, hostId(req), caller(req, res))));
  });

  // Boot keys are admin-only: the key lets a machine be this host (docs/operations.md#boot-keys).
  // POST draws a random key, PUT sets the one given; either answers it once (no-store).
  router.post('/api/v1/hosts/:id/boot-key', ...admin, async (req, res) => {
    const set = await setBootKey(deps, hostId(req), undefined, caller(req, res));
    res.setHeader('Cache-Control', 'no-store');
    res.json({ key: set.key, host: hostListItem(set.host) });
  });

  router.put('/api/v1/hosts/:id/boot-key', ...admin, ...jsonBody(ADMIN_BODY_LIMIT), async (req, res) => {
    const set = await setBootKey(deps, hostId(req), validators.bootKey(req.body).key, caller(req, res));
    res.setHeader('Cache-Control', 'no-store');
    res.json({ key: set.key, host: hostListItem(set.host) });
  });

  router.delete('/api/v1/hosts/:id/boot-key', ...admin, async (req, res) => {
    res.json(hostListItem(await clearBootKey(deps, hostId(req), caller(req, res))));
  });

  // The per-MAC boot entries, key included: the files to put where the loaders look for them.
  router.get('/api/v1/hosts/:id/boot-entries', ...admin, async (req, res) => {
    const q = (name: string) => (typeof req.query[name] === 'string' && req.query[name] !== '' ? req.query[name] : undefined);
    const source = {
      ...(q('installer') ? { installer: q('installer') } : {}),
      ...(q('repo') ? { repo: q('repo') } : {}),
      ...(q('profile') ? { profile: q('profile') } : {}),
    };
    res.setHeader('Cache-Control', 'no-store');
    res.json(await hostBootEntries(deps, baseUrl(req, deps.config.publicUrl), hostId(req), source));
  });

  router.delete('/api/v1/hosts/:id', ...write, async (req, res) => {
    await deleteHost(deps, hostId(req), caller(req, res));
    res.status(204).end();
  });

  return router;
}

async function mustGet(deps: Deps, id: string) {
  // Not known here yet may be a host another instance registered a moment ago (HostRepository.getLatest).
  const host = (await deps.store.hosts.get(id)) ?? (await deps.store.hosts.getLatest(id));
  if (!host) throw errors.hostNotFound(id);
  return host;
}

function hostId(req: { params: Record<string, unknown> }): string {
  return String(req.params.id);
}
