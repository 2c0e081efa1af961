// Web pages for profiles: list, create, edit and delete. Forms are turned into the same bodies the
// JSON API takes and go through the same use cases; an error comes back next to its field with
// everything typed kept.
import { Router, type RequestHandler, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { deleteProfile, saveProfile, type ProfileUsers } from '../../profiles/manage.js';
import { isBootable, profileView, type Profile } from '../../profiles/profile.js';
import { profileWarnings } from '../../profiles/needs.js';
import { baseUrl } from '../../http/base-url.js';
import { AppError, errors } from '../../errors.js';
import { fieldOf, isFormError } from '../form-errors.js';
import { can, may, type PageKit } from '../kit.js';

type Form = Record<string, string>;

function profileForm(p?: Profile): Form {
  return {
    name: p?.name ?? '',
    description: p?.description ?? '',
    bootable: isBootable(p) ? '1' : '',
    bmc_credentials: p?.bmc_credentials ?? '',
    action: p?.action ?? 'kickstart',
    template: p?.action === 'kickstart' ? p.template : '',
    params: p?.action === 'kickstart' && Object.keys(p.params).length ? JSON.stringify(p.params, null, 2) : '',
    kernel: p?.action === 'kexec' ? p.kernel : '',
    initrd: p?.action === 'kexec' ? p.initrd : '',
    append: p?.action === 'kexec' ? p.append : '',
    // The stage fieldset has its own inputs: a profile switched between kexec and stage keeps what was typed in each.
    stage_kernel: p?.action === 'stage' ? p.kernel : '',
    stage_kernel_sha256: p?.action === 'stage' ? p.kernel_sha256 : '',
    stage_kernel_size: p?.action === 'stage' ? String(p.kernel_size) : '',
    stage_initrd: p?.action === 'stage' ? p.initrd : '',
    stage_initrd_sha256: p?.action === 'stage' ? p.initrd_sha256 : '',
    stage_initrd_size: p?.action === 'stage' ? String(p.initrd_size) : '',
    stage_append: p?.action === 'stage' ? p.append : '',
    stage_disk: p?.action === 'stage' ? (p.stage_disk ?? '') : '',
  };
}

/** The profile as the form shows it: "***" for each secret, which the save reads as "keep it". */
function masked(p: Profile | undefined): Profile | undefined {
  return p && profileView(p);
}

/** The API body for a profile form: only the fields of the chosen action. */
function profileBody(f: Form): object {
  // An unticked checkbox sends nothing: absent is false.
  const common = {
    name: f.name ?? '',
    ...(f.description ? { description: f.description } : {}),
    bootable: f.bootable === '1',
    ...(f.bmc_credentials ? { bmc_credentials: f.bmc_credentials } : {}),
    action: f.action ?? '',
  };
  if (f.action === 'kickstart') {
    let params: unknown = {};
    if (f.params?.trim()) {
      try {
        params = JSON.parse(f.params);
      } catch (err) {
        throw errors.formJson(err, 'params');
      }
    }
    return { ...common, template: f.template ?? '', params };
  }
  if (f.action === 'kexec') return { ...common, kernel: f.kernel ?? '', initrd: f.initrd ?? '', append: f.append ?? '' };
  if (f.action === 'stage')
    return {
      ...common,
      kernel: f.stage_kernel ?? '',
      kernel_sha256: (f.stage_kernel_sha256 ?? '').trim(),
      kernel_size: formSize(f.stage_kernel_size),
      initrd: f.stage_initrd ?? '',
      initrd_sha256: (f.stage_initrd_sha256 ?? '').trim(),
      initrd_size: formSize(f.stage_initrd_size),
      append: f.stage_append ?? '',
      ...(f.stage_disk?.trim() ? { stage_disk: f.stage_disk.trim() } : {}),
    };
  return common;
}

/** A size typed in the form: a number when it is all digits, else the text as typed, which the schema
 *  then refuses naming the field (a form has no numbers of its own). */
function formSize(typed: string | undefined): number | string {
  const t = (typed ?? '').trim();
  return /^\d{1,17}$/.test(t) ? Number(t) : t;
}

const FIELDS = ['name', 'bootable', 'bmc_credentials', 'action', 'template', 'params', 'kernel', 'initrd', 'append'];
const STAGE_FIELDS = ['kernel_sha256', 'kernel_size', 'initrd_sha256', 'initrd_size', 'stage_disk'];

/** The API names a stage profile's fields as kexec's are named (kernel, append…); the form keeps them
 *  apart (stage_kernel…), so an error lands next to the input it is about. */
function formField(action: string | undefined, field: string): string {
  if (action !== 'stage' || field === 'stage_disk') return field;
  return ['kernel', 'initrd', 'append', ...STAGE_FIELDS].includes(field) ? `stage_${field}` : field;
}

/** The web's wording of PROFILE_IN_USE: the button offers what the API spells ?force=true. */
function inUse(name: string, users: ProfileUsers): string {
  const list = [...users.rules.map((r) => `rule ${r}`), ...users.hosts.map((h) => `host ${h}`)];
  return `profile "${name}" is used by ${list.join(', ')}; "Delete anyway" removes it regardless`;
}

export function profilePages(deps: Deps, { page, loggedIn, form }: PageKit): Router {
  const router = Router();
  const write = may('hosts:write', 'change profiles or rules');

  const profilesPage = async (
    res: Response,
    typed: Form,
    errors: Record<string, string>,
    editing: boolean,
    offerForce = false,
    warnings: string[] = [],
  ) =>
    page(res, 'profiles.njk', {
      warnings,
      in_use: offerForce,
      title: 'Profiles',
      nav: 'profiles',
      profiles: (await deps.store.profiles.list()).map(profileView),
      templates: await deps.kickstarts.list(),
      // Names only: which credential set a profile's hosts use (docs/bmc.md#configuration-a-hosts-bmc-and-credential-sets).
      bmc_credential_sets: (await deps.store.bmcCredentials.list()).map((c) => c.name),
      can_write: can(res, 'hosts:write'),
      form: typed,
      errors,
      editing,
    });

  router.get('/profiles', loggedIn, async (_req, res) => profilesPage(res, profileForm(), {}, false));
  router.get('/profiles/:name', loggedIn, async (req, res) => {
    const p = await deps.store.profiles.get(String(req.params.name));
    if (!p) throw errors.profileNotFound(String(req.params.name));
    // Right after a save (?saved=1): what its template needs that its params lack (profiles/needs.ts).
    const warnings = req.query.saved === '1' ? await profileWarnings(deps, p, baseUrl(req, deps.config.publicUrl)) : [];
    await profilesPage(res, profileForm(profileView(p)), {}, true, false, warnings);
  });
  const postProfile =
    (mode: 'create' | 'replace'): RequestHandler =>
    async (req, res) => {
      const typed: Form = { ...profileForm(), ...(req.body as Form), ...(mode === 'replace' ? { name: String(req.params.name) } : {}) };
      try {
        await saveProfile(deps, profileBody(typed), mode, String(res.locals.actor));
      } catch (err) {
        if (!isFormError(err)) throw err;
        res.status(err.status);
        await profilesPage(
          res,
          typed,
          { [formField(typed.action, fieldOf(err, [...FIELDS, ...STAGE_FIELDS]))]: err.message },
          mode === 'replace',
        );
        return;
      }
      res.redirect(303, `/profiles/${encodeURIComponent(typed.name ?? '')}?saved=1`);
    };
  router.post('/profiles', form, loggedIn, write, postProfile('create'));
  router.post('/profiles/:name', form, loggedIn, write, postProfile('replace'));
  // A profile still in use is refused (409) next to the Delete button, which then offers to delete
  // it anyway — the API's ?force=true.
  router.post('/profiles/:name/delete', form, loggedIn, write, async (req, res) => {
    const name = String(req.params.name);
    try {
      await deleteProfile(deps, name, (req.body as Form).force === '1', String(res.locals.actor));
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'PROFILE_IN_USE') throw err;
      res.status(err.status);
      await profilesPage(
        res,
        { ...profileForm(masked(await deps.store.profiles.get(name))), name },
        { delete: inUse(name, err.detail as ProfileUsers) },
        true,
        true,
      );
      return;
    }
    res.redirect(303, '/profiles');
  });

  return router;
}
