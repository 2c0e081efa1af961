// Admin API over users and personal API tokens. Admins manage everyone; every user manages their own
// tokens under /api/v1/me (at most MAX_TOKENS each).
import { Router } from 'express';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { changeRole, createApiToken, createUser, deleteUser, resetPassword, revokeApiToken } from '../auth/users.js';
import type { User } from '../auth/user.js';
import { authenticate, can, principalOf } from './auth.js';
import { jsonBody } from './body.js';

const LIMIT = 16 * 1024;

/** Never the password hash or token hashes. */
function view(user: User) {
  return {
    name: user.name,
    role: user.role,
    created_at: user.created_at,
    updated_at: user.updated_at,
    tokens: user.tokens.map(({ hash: _h, ...t }) => t),
  };
}

function field(body: unknown, name: string, required = true): string | undefined {
  const value = (body as Record<string, unknown>)[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw new AppError('VALIDATION', `${name} is required and must be a string`, name);
  return value;
}

export function userRoutes(deps: Deps, adminToken: string): Router {
  const router = Router();
  const auth = authenticate(deps, adminToken);
  const admin = [auth, can('users:write')];

  router.get('/api/v1/users', ...admin, async (_req, res) => {
    res.json({ users: (await deps.store.users.list()).map(view) });
  });

  router.post('/api/v1/users', ...admin, ...jsonBody(LIMIT), async (req, res) => {
    const { user, password } = await createUser(
      deps,
      field(req.body, 'name')!,
      field(req.body, 'role')!,
      field(req.body, 'password', false),
      String(res.locals.actor),
    );
    res.status(201).json({ ...view(user), ...(field(req.body, 'password', false) ? {} : { password }) });
  });

  router.post('/api/v1/users/:name/password', ...admin, ...jsonBody(LIMIT), async (req, res) => {
    const given = field(req.body, 'password', false);
    const password = await resetPassword(deps, String(req.params.name), given, String(res.locals.actor));
    res.json(given ? { name: req.params.name } : { name: req.params.name, password });
  });

  router.patch('/api/v1/users/:name', ...admin, ...jsonBody(LIMIT), async (req, res) => {
    res.json(view(await changeRole(deps, String(req.params.name), field(req.body, 'role')!, String(res.locals.actor))));
  });

  router.post('/api/v1/users/:name/tokens', ...admin, ...jsonBody(LIMIT), async (req, res) => {
    res.status(201).json(await createApiToken(deps, String(req.params.name), field(req.body, 'name')!, String(res.locals.actor)));
  });

  router.delete('/api/v1/users/:name', ...admin, async (req, res) => {
    await deleteUser(deps, String(req.params.name), String(res.locals.actor));
    res.status(204).end();
  });

  router.get('/api/v1/me', auth, (_req, res) => {
    res.json(principalOf(res));
  });

  router.post('/api/v1/me/tokens', auth, ...jsonBody(LIMIT), async (req, res) => {
    const me = principalOf(res);
    if (me.via === 'admin-token')
      throw new AppError('FORBIDDEN', 'the admin token belongs to no user; log in as a user to create personal tokens');
    res.status(201).json(await createApiToken(deps, me.name, field(req.body, 'name')!, me.name));
  });

  router.delete('/api/v1/me/tokens/:id', auth, async (req, res) => {
    await revokeApiToken(deps, principalOf(res).name, String(req.params.id), principalOf(res).name);
    res.status(204).end();
  });

  return router;
}
