// Admin API over template files: list, read, save, history, rollback, preview. Template names are
// paths ("snippets/network.njk"), so the routes take the rest of the URL as the name. Reading needs
// any role; changing a template (code that runs as root on every machine) needs templates:write.
import { Router, type Request } from 'express';
import type { Deps } from '../deps.js';
import { errors } from '../errors.js';
import { validators } from '../schemas/validate.js';
import { unifiedDiff } from '../templates/diff.js';
import { readTemplate, rollbackTemplate, saveTemplate } from '../templates/edit.js';
import { listTemplateFiles } from '../templates/files.js';
import { previewTemplate } from '../templates/preview.js';
import type { TemplateVersion } from '../templates/version.js';
import { allows } from '../auth/roles.js';
import { authenticate, can, principalOf } from './auth.js';
import { apiCaller } from './caller.js';
import { jsonBody } from './body.js';

const LIMIT = 512 * 1024;

export function templateRoutes(deps: Deps, adminToken: string): Router {
  const router = Router();
  const auth = authenticate(deps, adminToken);
  const read = [auth, can('read')];
  const write = [auth, can('templates:write')];

  router.get('/api/v1/templates', ...read, async (_req, res) => {
    res.json({ templates: await templateList(deps) });
  });

  router.get('/api/v1/templates/*name/versions/:version', ...read, async (req, res) => {
    const name = nameOf(req);
    const versions = await deps.store.templates.list(name);
    const index = versions.findIndex((v) => String(v.version) === req.params.version);
    if (index < 0) throw errors.templateVersionNotFound(name, String(req.params.version));
    res.json({ ...versions[index], diff: unifiedDiff(versions[index - 1]?.content ?? '', versions[index]!.content) });
  });

  router.post('/api/v1/templates/*name/rollback', ...write, ...jsonBody(LIMIT), async (req, res) => {
    const body = validators.templateRollback(req.body);
    const result = await rollbackTemplate(deps, nameOf(req), body.version, String(res.locals.actor), body.base_sha256);
    res.json({ version: meta(result.version), changed: result.changed });
  });

  router.post('/api/v1/templates/*name/preview', ...write, ...jsonBody(LIMIT), async (req, res) => {
    const body = validators.templatePreview(req.body);
    const openSecrets = allows(principalOf(res).role, 'hosts:write');
    res.json(await previewTemplate(deps, { name: nameOf(req), ...body, openSecrets }, apiCaller(req, res, deps.config.publicUrl)));
  });

  router.get('/api/v1/templates/*name', ...read, async (req, res) => {
    const view = await readTemplate(deps, nameOf(req));
    if (view.content === undefined) throw errors.templateFileMissing(view.name);
    res.json({ ...view, versions: view.versions.map(meta) });
  });

  router.put('/api/v1/templates/*name', ...write, ...jsonBody(LIMIT), async (req, res) => {
    const body = validators.templateSave(req.body);
    const result = await saveTemplate(deps, { name: nameOf(req), ...body }, String(res.locals.actor));
    res
      .status(result.version.action === 'create' && result.changed ? 201 : 200)
      .json({ version: meta(result.version), changed: result.changed });
  });

  return router;
}

/** Every editable file with its newest recorded version, for the list page and the API. */
export async function templateList(deps: Deps) {
  const names = await listTemplateFiles(deps.config.templatesDir);
  return Promise.all(
    names.map(async (name) => {
      const latest = (await deps.store.templates.list(name)).at(-1);
      return { name, ...(latest ? { latest: meta(latest) } : {}) };
    }),
  );
}

/** A version without its text: lists stay small. */
export function meta(v: TemplateVersion): Omit<TemplateVersion, 'content'> {
  const { content: _content, ...rest } = v;
  return rest;
}

function nameOf(req: Request): string {
  const raw = req.params.name as unknown;
  return Array.isArray(raw) ? raw.join('/') : String(raw);
}
