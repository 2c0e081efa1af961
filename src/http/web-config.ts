// Web pages for profiles and rules: list, create, edit, delete, a rule's live preview and the
// auto-provision switch. Forms are turned into the same bodies the JSON API takes and go through the
// same use cases; an error comes back next to its field with everything typed kept.
import { Router, type RequestHandler, type Response } from 'express';
import type { Deps } from '../deps.js';
import { allows } from '../auth/roles.js';
import { deleteProfile, saveProfile, type ProfileUsers } from '../profiles/manage.js';
import type { Profile } from '../profiles/profile.js';
import { deleteRule, saveRule } from '../rules/manage.js';
import { previewRule } from '../rules/preview.js';
import { changeSettings } from '../rules/settings.js';
import type { Rule } from '../rules/rule.js';
import type { Session } from '../web/sessions.js';
import { AppError } from '../errors.js';
import { fieldOf, isFormError } from './form-errors.js';

export interface PageKit {
  page(res: Response, view: string, data: object): unknown;
  loggedIn: RequestHandler;
  form: RequestHandler;
}

type Form = Record<string, string>;

function canWrite(res: Response): boolean {
  return allows((res.locals.session as Session).role, 'hosts:write');
}

function mustWrite(res: Response): void {
  if (!canWrite(res)) throw new AppError('FORBIDDEN', `role ${(res.locals.session as Session).role} may not change profiles or rules`);
}

function profileForm(p?: Profile): Form {
  return {
    name: p?.name ?? '',
    description: p?.description ?? '',
    action: p?.action ?? 'kickstart',
    template: p?.action === 'kickstart' ? p.template : '',
    params: p?.action === 'kickstart' && Object.keys(p.params).length ? JSON.stringify(p.params, null, 2) : '',
    kernel: p?.action === 'kexec' ? p.kernel : '',
    initrd: p?.action === 'kexec' ? p.initrd : '',
    append: p?.action === 'kexec' ? p.append : '',
  };
}

/** The API body for a profile form: only the fields of the chosen action. */
function profileBody(f: Form): object {
  const common = { name: f.name ?? '', ...(f.description ? { description: f.description } : {}), action: f.action ?? '' };
  if (f.action === 'kickstart') {
    let params: unknown = {};
    if (f.params?.trim()) {
      try {
        params = JSON.parse(f.params);
      } catch (err) {
        throw new AppError('VALIDATION', `not valid JSON: ${(err as Error).message}`, 'params');
      }
    }
    return { ...common, template: f.template ?? '', params };
  }
  if (f.action === 'kexec') return { ...common, kernel: f.kernel ?? '', initrd: f.initrd ?? '', append: f.append ?? '' };
  return common;
}

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

/** The web's wording of PROFILE_IN_USE: the button offers what the API spells ?force=true. */
function inUse(name: string, users: ProfileUsers): string {
  const list = [...users.rules.map((r) => `rule ${r}`), ...users.hosts.map((h) => `host ${h}`)];
  return `profile "${name}" is used by ${list.join(', ')}; "Delete anyway" removes it regardless`;
}

export function configPages(deps: Deps, kit: PageKit): Router {
  const router = Router();
  const { page, loggedIn, form } = kit;

  const profilesPage = async (res: Response, typed: Form, errors: Record<string, string>, editing: boolean, offerForce = false) =>
    page(res, 'profiles.njk', {
      in_use: offerForce,
      title: 'Profiles',
      nav: 'profiles',
      profiles: await deps.store.listProfiles(),
      templates: await deps.kickstarts.list(),
      can_write: canWrite(res),
      form: typed,
      errors,
      editing,
    });

  router.get('/profiles', loggedIn, async (_req, res) => profilesPage(res, profileForm(), {}, false));
  router.get('/profiles/:name', loggedIn, async (req, res) => {
    const p = await deps.store.getProfile(String(req.params.name));
    if (!p) throw new AppError('PROFILE_NOT_FOUND', `no profile named "${String(req.params.name)}"`);
    await profilesPage(res, profileForm(p), {}, true);
  });
  const postProfile = (mode: 'create' | 'replace'): RequestHandler => async (req, res) => {
    mustWrite(res);
    const typed = { ...profileForm(), ...(req.body as Form), ...(mode === 'replace' ? { name: String(req.params.name) } : {}) };
    try {
      await saveProfile(deps, profileBody(typed), mode, String(res.locals.actor));
    } catch (err) {
      if (!isFormError(err)) throw err;
      res.status(err.status);
      return profilesPage(res, typed, { [fieldOf(err, ['name', 'action', 'template', 'params', 'kernel', 'initrd', 'append'])]: err.message }, mode === 'replace');
    }
    res.redirect(303, '/profiles');
  };
  router.post('/profiles', form, loggedIn, postProfile('create'));
  router.post('/profiles/:name', form, loggedIn, postProfile('replace'));
  // A profile still in use is refused (409) next to the Delete button, which then offers to delete
  // it anyway — the API's ?force=true.
  router.post('/profiles/:name/delete', form, loggedIn, async (req, res) => {
    mustWrite(res);
    const name = String(req.params.name);
    try {
      await deleteProfile(deps, name, (req.body as Form).force === '1', String(res.locals.actor));
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'PROFILE_IN_USE') throw err;
      res.status(err.status);
      return profilesPage(res, { ...profileForm(await deps.store.getProfile(name)), name }, { delete: inUse(name, err.detail as ProfileUsers) }, true, true);
    }
    res.redirect(303, '/profiles');
  });

  const rulesPage = async (res: Response, typed: Form, errors: Record<string, string>, editing: boolean, preview?: unknown) =>
    page(res, 'rules.njk', {
      title: 'Rules',
      nav: 'rules',
      rules: await deps.store.listRules(),
      profiles: await deps.store.listProfiles(),
      settings: await deps.store.getSettings(),
      can_write: canWrite(res),
      form: typed,
      errors,
      editing,
      preview,
    });

  router.get('/rules', loggedIn, async (_req, res) => rulesPage(res, ruleForm(), {}, false));
  router.get('/rules/:name', loggedIn, async (req, res) => {
    const r = await deps.store.getRule(String(req.params.name));
    if (!r) throw new AppError('RULE_NOT_FOUND', `no rule named "${String(req.params.name)}"`);
    await rulesPage(res, ruleForm(r), {}, true);
  });
  const postRule = (mode: 'create' | 'replace'): RequestHandler => async (req, res) => {
    const body = req.body as Form;
    const typed = { ...ruleForm(), ...body, enabled: body.enabled === '1' ? '1' : '', ...(mode === 'replace' ? { name: String(req.params.name) } : {}) };
    const fields = ['name', 'expression', 'profile', 'hostname_pattern', 'priority', 'limit'];
    try {
      if (body.intent === 'preview') return await rulesPage(res, typed, {}, mode === 'replace', await previewRule(deps, { rule: ruleBody(typed) }));
      mustWrite(res);
      await saveRule(deps, ruleBody(typed), mode, String(res.locals.actor));
    } catch (err) {
      if (!isFormError(err)) throw err;
      res.status(err.status);
      return rulesPage(res, typed, { [fieldOf(err, fields)]: err.message }, mode === 'replace');
    }
    res.redirect(303, '/rules');
  };
  router.post('/rules', form, loggedIn, postRule('create'));
  router.post('/rules/:name', form, loggedIn, postRule('replace'));
  router.post('/rules/:name/delete', form, loggedIn, async (req, res) => {
    mustWrite(res);
    await deleteRule(deps, String(req.params.name), String(res.locals.actor));
    res.redirect(303, '/rules');
  });

  // The auto-provision switch lives on the rules page (it decides whether rules run on discovery);
  // its URL is /settings like the API's, so no rule name can shadow it.
  router.post('/settings', form, loggedIn, async (req, res) => {
    mustWrite(res);
    await changeSettings(deps, { auto_provision: (req.body as Form).auto_provision === 'on' }, String(res.locals.actor));
    res.redirect(303, '/rules');
  });

  return router;
}
