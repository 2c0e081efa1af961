// Web pages for template authors: the list, the editor (save, preview with lint), and the history
// (diffs, rollback). Forms go through the same use cases as the API; a refused save re-renders the
// editor with everything typed kept and the error at its line.
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { profileView } from '../../profiles/profile.js';
import { messageOf } from '../../errors.js';
import type { RenderErrorDetail } from '../../kickstart/render/index.js';
import { hunks } from '../../templates/diff.js';
import { readTemplate, rollbackTemplate, saveTemplate } from '../../templates/edit.js';
import { checkTemplateName } from '../../templates/files.js';
import { previewTemplate, type Preview } from '../../templates/preview.js';
import { listSamples } from '../../templates/samples.js';
import { searchHosts } from '../../hosts/pick.js';
import type { Session } from '../sessions.js';
import { isFormError } from '../form-errors.js';
import { templateList } from '../../http/templates.js';
import { can, may, type PageKit } from '../kit.js';
import { callerOf } from '../../http/caller.js';

type Form = Record<string, string>;

export function templatePages(deps: Deps, { page, loggedIn, form }: PageKit): Router {
  const router = Router();
  const canWrite = (res: Response) => can(res, 'templates:write');
  const write = may('templates:write', 'change templates (needs the author role)');
  const nameFrom = (raw: unknown) => checkTemplateName(typeof raw === 'string' ? raw.trim() : '');

  router.get('/templates', loggedIn, async (_req, res) => {
    page(res, 'templates.njk', { title: 'Templates', nav: 'templates', templates: await templateList(deps), can_write: canWrite(res) });
  });

  router.get('/templates/edit', loggedIn, async (req, res) => {
    const view = await readTemplate(deps, nameFrom(req.query.name));
    const saved = typeof req.query.saved === 'string' ? req.query.saved : undefined;
    await editor(
      res,
      { name: view.name, content: view.content ?? '', base_sha256: view.sha256 },
      {},
      undefined,
      saved ? `Saved as version ${saved}; it is in service now.` : undefined,
    );
  });

  router.post('/templates/save', form, loggedIn, write, async (req, res) => {
    const f = formOf(req);
    try {
      const result = await saveTemplate(
        deps,
        { name: f.name!, content: f.content!, base_sha256: f.base_sha256!, message: f.message! },
        (res.locals.session as Session).user,
      );
      res.redirect(303, `/templates/edit?name=${encodeURIComponent(f.name!)}&saved=${result.version.version}`);
    } catch (err) {
      if (!isFormError(err)) throw err;
      res.status(err.status);
      const line = (err.detail as RenderErrorDetail | undefined)?.line;
      await editor(
        res,
        f,
        { [err.field === 'name' || err.field === 'base_sha256' ? err.field : 'content']: err.message },
        undefined,
        undefined,
        line,
      );
    }
  });

  router.post('/templates/preview', form, loggedIn, write, async (req, res) => {
    const f = formOf(req);
    let params: Record<string, unknown> | undefined;
    try {
      params = f.params?.trim() ? (JSON.parse(f.params) as Record<string, unknown>) : undefined;
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- JSON.parse gives any value; the cast names the shape this checks for
      if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params)))
        throw new Error('must be a JSON object');
    } catch (err) {
      res.status(400);
      return editor(res, f, { params: `params: not a JSON object: ${messageOf(err)}` });
    }
    const [kind, id] = (f.target ?? '').split(':', 2) as [string, string | undefined];
    try {
      const preview = await previewTemplate(
        deps,
        {
          name: f.name!,
          content: f.content!,
          // The host picker, when filled, wins over the sample list.
          ...(f.host?.trim() ? { host: f.host } : kind === 'sample' && id ? { sample: id } : kind === 'host' && id ? { host: id } : {}),
          ...(f.hostname?.trim() ? { hostname: f.hostname } : {}),
          openSecrets: can(res, 'hosts:write'),
          ...(f.profile ? { profile: f.profile } : {}),
          ...(params ? { params } : {}),
        },
        callerOf(req, (res.locals.session as Session).user, deps.config.publicUrl),
      );
      await editor(res, f, {}, preview);
    } catch (err) {
      if (!isFormError(err)) throw err;
      res.status(err.status);
      await editor(res, f, {
        [err.field === 'host' || err.field === 'hostname' || err.field === 'profile'
          ? err.field
          : err.field === 'sample'
            ? 'target'
            : 'content']: err.message,
      });
    }
  });

  // The preview's host picker: the first matches as JSON, for any signed-in role (read).
  router.get('/templates/hosts.json', loggedIn, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json({ hosts: await searchHosts(deps, typeof req.query.q === 'string' ? req.query.q : '') });
  });

  router.get('/templates/history', loggedIn, async (req, res) => {
    const view = await readTemplate(deps, nameFrom(req.query.name));
    const chosen = Number(req.query.v) || view.versions.at(-1)?.version;
    const index = view.versions.findIndex((v) => v.version === chosen);
    const selected = view.versions[index];
    page(res, 'template-history.njk', {
      title: `History of ${view.name}`,
      nav: 'templates',
      name: view.name,
      versions: [...view.versions].reverse(),
      current: view.current,
      sha256: view.sha256,
      selected,
      hunks: selected ? hunks(view.versions[index - 1]?.content ?? '', selected.content) : [],
      can_write: canWrite(res),
    });
  });

  router.post('/templates/rollback', form, loggedIn, write, async (req, res) => {
    const f = formOf(req);
    const result = await rollbackTemplate(deps, f.name!, Number(f.version), (res.locals.session as Session).user, f.base_sha256);
    res.redirect(303, `/templates/history?name=${encodeURIComponent(f.name!)}&v=${result.version.version}`);
  });

  async function editor(res: Response, f: Form, errors: Form, preview?: Preview, flash?: string, errorLine?: number) {
    const view = await readTemplate(deps, f.name!).catch(() => undefined);
    page(res, 'template-edit.njk', {
      title: view?.content === undefined ? `New template ${f.name}` : `Edit ${f.name}`,
      nav: 'templates',
      form: f,
      exists: view?.content !== undefined,
      current: view?.current,
      versions: view?.versions.length ?? 0,
      errors,
      error_line: errorLine,
      preview,
      finding_lines: preview ? [...new Set(preview.findings.filter((x) => x.in === 'rendered').map((x) => x.line))] : [],
      rendered_lines: preview?.rendered?.replace(/\n$/, '').split('\n') ?? [],
      host_picks: f.host ? [] : await searchHosts(deps, ''),
      samples: await listSamples(deps.config.templatesDir),
      profiles: (await deps.store.profiles.list()).filter((p) => p.action === 'kickstart').map(profileView),
      can_write: canWrite(res),
      flash,
    });
  }

  return router;
}

function formOf(req: Request): Form {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const f: Form = {};
  for (const key of ['name', 'content', 'base_sha256', 'message', 'target', 'host', 'hostname', 'profile', 'params', 'version'])
    f[key] = typeof body[key] === 'string' ? body[key] : '';
  f.name = f.name!.trim();
  return f;
}
