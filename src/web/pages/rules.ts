// Web pages for rules: list, create, edit, delete, a rule's live preview and the auto-provision
// switch. Forms are turned into the same bodies the JSON API takes and go through the same use cases;
// an error comes back next to its field with everything typed kept.
import { Router, type RequestHandler, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { profileView } from '../../profiles/profile.js';
import { deleteRule, saveRule } from '../../rules/manage.js';
import { baseUrl } from '../../http/base-url.js';
import { previewRule } from '../../rules/preview.js';
import { changeSettings } from '../../rules/settings.js';
import { autoAssign, type AutoAssignResult } from '../../rules/auto-assign.js';
import { callerOf } from '../../http/caller.js';
import type { Rule } from '../../rules/rule.js';
import { AppError, errors } from '../../errors.js';
import { fieldOf, isFormError } from '../form-errors.js';
import { can, may, mustBeAllowed, type PageKit } from '../kit.js';

type Form = Record<string, string>;

const CHANGE = 'change profiles or rules';

function ruleForm(r?: Rule): Form & { enabled: string } {
  return {
    name: r?.name ?? '',
    expression: r?.expression ?? '',
    profile: r?.profile ?? '',
    hostname_pattern: r?.hostname_pattern ?? '',
    priority: String(r?.priority ?? 100),
    limit: String(r?.limit ?? 0),
    enabled: r ? (r.enabled ? '1' : '') : '1',
  };
}

function ruleBody(f: Form): object {
  const int = (v: string | undefined, field: string) => {
    if (!v?.trim()) return undefined;
    if (!/^\d+$/.test(v.trim())) throw new AppError('VALIDATION', `${field} must be a whole number`, field);
    return Number(v);
  };
  const priority = int(f.priority, 'priority');
  const limit = int(f.limit, 'limit');
  return {
    name: f.name ?? '',
    expression: f.expression ?? '',
    profile: f.profile ?? '',
    ...(f.hostname_pattern ? { hostname_pattern: f.hostname_pattern } : {}),
    ...(priority !== undefined ? { priority } : {}),
    ...(limit !== undefined ? { limit } : {}),
    enabled: f.enabled === '1',
  };
}

export function rulePages(deps: Deps, { page, loggedIn, form }: PageKit): Router {
  const router = Router();
  const write = may('hosts:write', CHANGE);

  const rulesPage = async (
    res: Response,
    typed: Form,
    errors: Record<string, string>,
    editing: boolean,
    preview?: unknown,
    apply?: ApplyStep,
  ) =>
    page(res, 'rules.njk', {
      title: 'Rules',
      nav: 'rules',
      rules: await deps.store.rules.list(),
      profiles: (await deps.store.profiles.list()).map(profileView),
      settings: await deps.store.settings.get(),
      bmc_credential_sets: (await deps.store.bmcCredentials.list()).map((c) => c.name),
      can_write: can(res, 'hosts:write'),
      form: typed,
      errors,
      editing,
      preview,
      waiting: (await deps.store.hosts.list()).filter((h) => h.state === 'discovered').length,
      apply,
    });

  router.get('/rules', loggedIn, async (_req, res) => rulesPage(res, ruleForm(), {}, false));
  router.get('/rules/:name', loggedIn, async (req, res) => {
    const r = await deps.store.rules.get(String(req.params.name));
    if (!r) throw errors.ruleNotFound(String(req.params.name));
    await rulesPage(res, ruleForm(r), {}, true);
  });
  // The same form previews or saves; previewing changes nothing, so only a save needs the write role.
  const postRule =
    (mode: 'create' | 'replace'): RequestHandler =>
    async (req, res) => {
      const body = req.body as Form;
      const typed = {
        ...ruleForm(),
        ...body,
        enabled: body.enabled === '1' ? '1' : '',
        ...(mode === 'replace' ? { name: String(req.params.name) } : {}),
      };
      const fields = ['name', 'expression', 'profile', 'hostname_pattern', 'priority', 'limit'];
      try {
        if (body.intent === 'preview') {
          await rulesPage(
            res,
            typed,
            {},
            mode === 'replace',
            await previewRule(deps, { rule: ruleBody(typed) }, baseUrl(req, deps.config.publicUrl)),
          );
          return;
        }
        mustBeAllowed(res, 'hosts:write', CHANGE);
        await saveRule(deps, ruleBody(typed), mode, String(res.locals.actor));
      } catch (err) {
        if (!isFormError(err)) throw err;
        res.status(err.status);
        await rulesPage(res, typed, { [fieldOf(err, fields)]: err.message }, mode === 'replace');
        return;
      }
      res.redirect(303, '/rules');
    };
  router.post('/rules', form, loggedIn, postRule('create'));
  router.post('/rules/:name', form, loggedIn, postRule('replace'));
  router.post('/rules/:name/delete', form, loggedIn, write, async (req, res) => {
    await deleteRule(deps, String(req.params.name), String(res.locals.actor));
    res.redirect(303, '/rules');
  });

  // The auto-provision switch lives on the rules page (it decides whether rules run on discovery);
  // its URL is /settings like the API's, so no rule name can shadow it.
  // Each settings form sends its own field: the auto-provision switch, or the default BMC credential set.
  router.post('/settings', form, loggedIn, write, async (req, res) => {
    const body = req.body as Form;
    const change =
      body.bmc_default_credentials !== undefined
        ? { bmc_default_credentials: body.bmc_default_credentials }
        : { auto_provision: body.auto_provision === 'on' };
    try {
      await changeSettings(deps, change, String(res.locals.actor));
    } catch (err) {
      if (!isFormError(err)) throw err;
      res.status(err.status);
      await rulesPage(res, ruleForm(), { bmc_default_credentials: err.message }, false);
      return;
    }
    res.redirect(303, '/rules');
  });

  // "Apply to the N waiting hosts now": the API's POST /api/v1/hosts/auto-assign as a button. The first
  // POST only asks (the page shows a Confirm button carrying confirm=yes), the second runs the rules
  // and the page lists what happened to each host. Its URL is outside /rules/ so no rule name can
  // shadow it.
  router.post('/auto-assign', form, loggedIn, may('hosts:write', 'assign hosts'), async (req, res) => {
    if ((req.body as Form).confirm !== 'yes') {
      await rulesPage(res, ruleForm(), {}, false, undefined, { step: 'confirm' });
      return;
    }
    const results = await autoAssign(deps, 'waiting', callerOf(req, String(res.locals.actor), deps.config.publicUrl));
    await rulesPage(res, ruleForm(), {}, false, undefined, { step: 'done', results });
  });

  return router;
}

type ApplyStep = { step: 'confirm' } | { step: 'done'; results: AutoAssignResult[] };
