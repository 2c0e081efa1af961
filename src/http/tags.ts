// The tags API (docs/inventory.md#tags): a host's free tags (PUT replaces, PATCH adds and removes),
// the same on many hosts, and the automatic tag definitions. Changing needs hosts:write; reading, read.
// A definition change answers once it is stored, with how many hosts are re-evaluated in the
// background (tags/auto-tags.ts). Routes only wire.
import { Router, type Request, type Response } from 'express';
import type { FromSchema } from 'json-schema-to-ts';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { readHostQuery } from '../hosts/query.js';
import { compile } from '../schemas/validate.js';
import { bulkTagsSchema } from '../schemas/tags.js';
import { tagHosts } from '../tags/bulk-tags.js';
import { deleteDefinition, listDefinitions, mustGetDefinition, saveDefinition } from '../tags/definitions.js';
import { changeHostTags, readTagChange } from '../tags/host-tags.js';
import type { Host } from '../hosts/host.js';
import { guards } from './auth.js';
import { apiCaller } from './caller.js';
import { jsonBody } from './body.js';
import { nameOf, sameName } from './profiles.js';

const LIMIT = 16 * 1024;
/** Up to 1,000 ids of up to 64 characters, like the other bulk routes. */
const BULK_LIMIT = 128 * 1024;
const checkBulk = compile<FromSchema<typeof bulkTagsSchema>>(bulkTagsSchema);

const tagsOf = (host: Readonly<Host>) => ({ id: host.id, tags: host.tags ?? [], auto_tags: host.auto_tags ?? [] });

export function tagRoutes(deps: Deps, adminToken: string): Router {
  const router = Router();
  const { read, write } = guards(deps, adminToken);
  const caller = (req: Request, res: Response) => apiCaller(req, res, deps.config.publicUrl);
  const actor = (res: Response) => String(res.locals.actor);

  router.post('/api/v1/hosts/tags', ...write, ...jsonBody(BULK_LIMIT), async (req, res) => {
    const body = checkBulk(req.body);
    if (!body.ids === !body.query) throw new AppError('VALIDATION', 'give either ids or query', body.ids ? 'query' : 'ids');
    const targets = body.ids ? { ids: body.ids } : { query: readHostQuery(body.query ?? {}) };
    res.json(
      await tagHosts(
        deps,
        targets,
        { ...(body.add ? { add: body.add } : {}), ...(body.remove ? { remove: body.remove } : {}) },
        caller(req, res),
      ),
    );
  });

  router.put('/api/v1/hosts/:id/tags', ...write, ...jsonBody(LIMIT), async (req, res) => {
    res.json(tagsOf(await changeHostTags(deps, String(req.params.id), readTagChange(req.body, 'set'), caller(req, res))));
  });

  router.patch('/api/v1/hosts/:id/tags', ...write, ...jsonBody(LIMIT), async (req, res) => {
    res.json(tagsOf(await changeHostTags(deps, String(req.params.id), readTagChange(req.body, 'change'), caller(req, res))));
  });

  router.get('/api/v1/tags', ...read, async (_req, res) => {
    res.json({ tags: await listDefinitions(deps) });
  });

  router.get('/api/v1/tags/:name', ...read, async (req, res) => {
    const definition = await mustGetDefinition(deps, nameOf(req));
    const hosts = (await listDefinitions(deps)).find((d) => d.name === definition.name)?.hosts ?? 0;
    res.json({ ...definition, hosts });
  });

  router.put('/api/v1/tags/:name', ...write, ...jsonBody(LIMIT), async (req, res) => {
    const change = await saveDefinition(deps, sameName(req), actor(res));
    res.status(change.created ? 201 : 200).json({ ...change.definition, reevaluating: change.reevaluating });
  });

  router.delete('/api/v1/tags/:name', ...write, async (req, res) => {
    const change = await deleteDefinition(deps, nameOf(req), actor(res));
    res.json({ deleted: nameOf(req), reevaluating: change.reevaluating });
  });

  return router;
}
