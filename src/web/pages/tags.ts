// The Tags page (/tags): every automatic tag definition with how many hosts carry its tag, and the free
// tags in use; for roles with hosts:write a form to create one, an edit form per definition and delete
// (a box ticked to confirm). Forms go through tags/definitions.ts like the API; a save or delete says
// how many hosts are being re-evaluated in the background.
import { Router, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { deleteDefinition, listDefinitions, mustGetDefinition, saveDefinition } from '../../tags/definitions.js';
import { fieldOf, isFormError } from '../form-errors.js';
import { can, may, type PageKit } from '../kit.js';

type Form = Record<string, string>;
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const FIELDS = ['name', 'expression', 'description', 'confirm'];

export function tagPages(deps: Deps, { page, loggedIn, form }: PageKit): Router {
  const router = Router();
  const write = may('hosts:write', 'change tag definitions');

  const render = async (res: Response, data: { editing?: string; form?: Form; errors?: Form; flash?: string }): Promise<void> => {
    const definitions = await listDefinitions(deps);
    const free = new Map<string, number>();
    for (const h of await deps.store.hosts.list()) for (const t of h.tags ?? []) free.set(t, (free.get(t) ?? 0) + 1);
    const editing = data.editing ? await mustGetDefinition(deps, data.editing) : undefined;
    page(res, 'tags.njk', {
      title: 'Tags',
      nav: 'tags',
      definitions,
      free_tags: [...free].sort(([a], [b]) => a.localeCompare(b)).map(([name, hosts]) => ({ name, hosts })),
      can_write: can(res, 'hosts:write'),
      editing,
      form: data.form ?? (editing ? { name: editing.name, expression: editing.expression, description: editing.description ?? '' } : {}),
      errors: data.errors ?? {},
      flash: data.flash,
    });
  };

  const failed = async (res: Response, err: unknown, data: { editing?: string; form?: Form }): Promise<void> => {
    if (!isFormError(err) || err.code === 'TAG_NOT_FOUND') throw err;
    res.status(err.status);
    await render(res, { ...data, errors: { [fieldOf(err, FIELDS)]: err.message } });
  };

  const typedOf = (body: Record<string, unknown>, name?: string): Form => ({
    name: name ?? text(body.name).trim(),
    expression: text(body.expression),
    description: text(body.description),
  });
  const bodyOf = (f: Form) => ({ name: f.name, expression: f.expression, ...(f.description ? { description: f.description } : {}) });
  const done = (n: number) => `/tags?reevaluating=${n}`;

  router.get('/tags', loggedIn, async (req, res) => {
    const n = Number(req.query.reevaluating);
    await render(
      res,
      Number.isSafeInteger(n) && n >= 0 && req.query.reevaluating !== undefined
        ? { flash: `Saved: ${n} host(s) are being re-evaluated.` }
        : {},
    );
  });
  router.get('/tags/:name', loggedIn, write, async (req, res) => render(res, { editing: String(req.params.name) }));

  router.post('/tags', form, loggedIn, write, async (req, res) => {
    const typed = typedOf((req.body ?? {}) as Record<string, unknown>);
    try {
      const change = await saveDefinition(deps, bodyOf(typed), String(res.locals.actor), 'create');
      res.redirect(303, done(change.reevaluating));
    } catch (err) {
      await failed(res, err, { form: typed });
    }
  });

  router.post('/tags/:name', form, loggedIn, write, async (req, res) => {
    const name = String(req.params.name);
    const typed = typedOf((req.body ?? {}) as Record<string, unknown>, name);
    try {
      await mustGetDefinition(deps, name);
      const change = await saveDefinition(deps, bodyOf(typed), String(res.locals.actor));
      res.redirect(303, done(change.reevaluating));
    } catch (err) {
      await failed(res, err, { editing: name, form: typed });
    }
  });

  router.post('/tags/:name/delete', form, loggedIn, write, async (req, res) => {
    const name = String(req.params.name);
    try {
      if (text((req.body as Record<string, unknown> | undefined)?.confirm) !== 'yes')
        throw new AppError('VALIDATION', `tick the box to delete the definition of ${name} (nothing was changed)`, 'confirm');
      const change = await deleteDefinition(deps, name, String(res.locals.actor));
      res.redirect(303, done(change.reevaluating));
    } catch (err) {
      await failed(res, err, { editing: name });
    }
  });

  return router;
}
