// Admin API over profiles. Routes only wire.
import { Router, type Request } from 'express';
import type { Deps } from '../deps.js';
import { AppError, errors } from '../errors.js';
import { deleteProfile, profileUsers, saveProfile } from '../profiles/manage.js';
import { profileWarnings } from '../profiles/needs.js';
import { profileView } from '../profiles/profile.js';
import { baseUrl } from './base-url.js';
import { guards } from './auth.js';
import { jsonBody } from './body.js';

const LIMIT = 64 * 1024;

export function profileRoutes(deps: Deps, adminToken: string): Router {
  const router = Router();
  const { read, write } = guards(deps, adminToken);

  router.get('/api/v1/profiles', ...read, async (_req, res) => {
    res.json({ profiles: (await deps.store.profiles.list()).map(profileView) });
  });

  router.post('/api/v1/profiles', ...write, ...jsonBody(LIMIT), async (req, res) => {
    const profile = await saveProfile(deps, req.body, 'create', String(res.locals.actor));
    res.status(201).json({ ...profileView(profile), warnings: await profileWarnings(deps, profile, baseUrl(req, deps.config.publicUrl)) });
  });

  router.get('/api/v1/profiles/:name', ...read, async (req, res) => {
    const profile = await deps.store.profiles.get(nameOf(req));
    if (!profile) throw errors.profileNotFound(nameOf(req));
    res.json({ ...profileView(profile), used_by: await profileUsers(deps, profile.name) });
  });

  router.put('/api/v1/profiles/:name', ...write, ...jsonBody(LIMIT), async (req, res) => {
    const profile = await saveProfile(deps, sameName(req), 'replace', String(res.locals.actor));
    res.json({ ...profileView(profile), warnings: await profileWarnings(deps, profile, baseUrl(req, deps.config.publicUrl)) });
  });

  router.delete('/api/v1/profiles/:name', ...write, async (req, res) => {
    const users = await deleteProfile(deps, nameOf(req), req.query.force === 'true', String(res.locals.actor));
    res.json({ deleted: nameOf(req), was_used_by: users });
  });

  return router;
}

export function nameOf(req: Request): string {
  return String(req.params.name);
}

/** PUT /x/{name}: the body may repeat the name, but not contradict it. */
export function sameName(req: Request): unknown {
  const body = req.body as Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- req.body is whatever the client sent; the cast names the shape this checks for
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  // Never String() what the client sent: an object with its own toString, or an array nested 10 000
  // deep, throws there, and that was a 500.
  if (body.name !== undefined && typeof body.name !== 'string') throw new AppError('VALIDATION', 'name must be a string', 'name');
  if (body.name !== undefined && body.name !== nameOf(req))
    throw new AppError('VALIDATION', `name "${body.name}" does not match the URL ("${nameOf(req)}")`, 'name');
  return { ...body, name: nameOf(req) };
}
