// The BMC credential sets page: the list (names, users, who uses each) for roles that may power
// machines, and for admins a new-set form, an edit form per set and delete (the set's name typed to
// confirm; a set in use offers "Delete anyway"). A password is never printed, not even after a failed
// submit; blank on an edit keeps the stored one. Forms go through bmc/credentials.ts like the API.
import { Router, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import {
  credentialSetUsers,
  credentialSetView,
  deleteCredentialSet,
  describeUsers,
  listCredentialSets,
  mustGetCredentialSet,
  saveCredentialSet,
} from '../../bmc/credentials.js';
import { fieldOf, isFormError } from '../form-errors.js';
import { can, may, type PageKit } from '../kit.js';

type Form = Record<string, string>;
/** A posted form: a field sent twice arrives as an array, which counts as not given. */
type Posted = Record<string, unknown>;
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

const FIELDS = ['name', 'username', 'password', 'description', 'confirm'];

function typedOf(body: Posted, name?: string): Form {
  return { name: name ?? text(body.name), username: text(body.username), description: text(body.description) };
}

function bodyOf(typed: Form, password: string): object {
  return { name: typed.name, username: typed.username, password, ...(typed.description ? { description: typed.description } : {}) };
}

export function bmcCredentialPages(deps: Deps, { page, loggedIn, form }: PageKit): Router {
  const router = Router();
  const read = may('power:write', 'see BMC credential sets');
  const write = may('bmc-credentials:write', 'change BMC credential sets');

  const render = async (
    res: Response,
    data: { editing?: string; form?: Form; errors?: Form; in_use?: boolean; flash?: string },
  ): Promise<void> => {
    const sets = await listCredentialSets(deps);
    const users: Record<string, string> = Object.fromEntries(
      await Promise.all(sets.map(async (s): Promise<[string, string]> => [s.name, describeUsers(await credentialSetUsers(deps, s.name))])),
    );
    const editing = data.editing ? credentialSetView(await mustGetCredentialSet(deps, data.editing)) : undefined;
    page(res, 'bmc-credentials.njk', {
      title: 'BMC credentials',
      nav: 'bmc-credentials',
      sets,
      users,
      can_write: can(res, 'bmc-credentials:write'),
      editing,
      form: data.form ?? (editing ? { name: editing.name, username: editing.username, description: editing.description ?? '' } : {}),
      errors: data.errors ?? {},
      in_use: data.in_use ?? false,
      flash: data.flash,
    });
  };

  const failed = async (res: Response, err: unknown, data: { editing?: string; form?: Form }): Promise<void> => {
    if (!isFormError(err)) throw err;
    res.status(err.status);
    await render(res, { ...data, errors: { [fieldOf(err, FIELDS)]: err.message } });
  };

  router.get('/bmc-credentials', loggedIn, read, async (_req, res) => render(res, {}));
  router.get('/bmc-credentials/:name', loggedIn, read, async (req, res) => render(res, { editing: String(req.params.name) }));

  router.post('/bmc-credentials', form, loggedIn, write, async (req, res) => {
    const body = (req.body ?? {}) as Posted;
    const typed = typedOf(body);
    try {
      await saveCredentialSet(deps, bodyOf(typed, text(body.password)), 'create', String(res.locals.actor));
    } catch (err) {
      return failed(res, err, { form: typed });
    }
    res.redirect(303, '/bmc-credentials');
  });

  router.post('/bmc-credentials/:name', form, loggedIn, write, async (req, res) => {
    const name = String(req.params.name);
    const body = (req.body ?? {}) as Posted;
    const typed = typedOf(body, name);
    try {
      await saveCredentialSet(deps, bodyOf(typed, text(body.password)), 'replace', String(res.locals.actor));
    } catch (err) {
      if (err instanceof AppError && err.code === 'CREDENTIALS_NOT_FOUND') throw err;
      return failed(res, err, { editing: name, form: typed });
    }
    res.redirect(303, '/bmc-credentials');
  });

  router.post('/bmc-credentials/:name/delete', form, loggedIn, write, async (req, res) => {
    const name = String(req.params.name);
    const body = (req.body ?? {}) as Posted;
    try {
      if (text(body.confirm) !== name) throw new AppError('VALIDATION', `type the set's name (${name}) to delete it`, 'confirm');
      await deleteCredentialSet(deps, name, body.force === '1', String(res.locals.actor));
    } catch (err) {
      if (err instanceof AppError && err.code === 'CREDENTIALS_IN_USE') {
        res.status(err.status);
        const message = err.message.replace(/; delete with \?force=true.*/, '; "Delete anyway" removes it regardless');
        await render(res, { editing: name, errors: { confirm: message }, in_use: true });
        return;
      }
      if (err instanceof AppError && err.code === 'CREDENTIALS_NOT_FOUND') throw err;
      return failed(res, err, { editing: name });
    }
    res.redirect(303, '/bmc-credentials');
  });

  return router;
}
