// The BMC panel of a host's page (views/host-bmc.njk): a form for roles that may power machines, a
// summary (driver, address, port) for the others. The form goes through the same use case as the API
// (bmc/configure.ts); an error comes back next to its field with what was typed kept — except the
// password, which a page never prints: a blank one keeps what is stored.
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { BMC_DRIVERS, bmcView } from '../../bmc/bmc.js';
import { clearHostBmc, setHostBmc } from '../../bmc/configure.js';
import { bmcSummary } from '../../bmc/views.js';
import type { CallerWith } from '../../caller.js';
import type { Host } from '../../hosts/host.js';
import { isFormError } from '../form-errors.js';
import { can, may, type PageKit } from '../kit.js';

type Form = Record<string, string>;
/** A posted form: a field sent twice arrives as an array, which counts as not given. */
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

const FIELDS = ['driver', 'address', 'port', 'username', 'password', 'credentials', 'system_path', 'verify_tls', 'ca_file'];

/** What the host page's render is handed back by a BMC form that failed. */
export interface BmcTyped {
  form: Form;
  errors: Form;
}

export type HostPageRender = (res: Response, id: string, typed: Form, errors: Form, bmc?: BmcTyped) => Promise<void>;

function formOf(host: Readonly<Host>): Form {
  const b = host.bmc;
  return {
    driver: b?.driver ?? 'ipmi',
    address: b?.address ?? '',
    port: b?.port !== undefined ? String(b.port) : '',
    username: b?.username ?? '',
    credentials: b?.credentials ?? '',
    system_path: b?.system_path ?? '',
    verify_tls: b ? (b.verify_tls ? '1' : '') : '1',
    ca_file: b?.ca_file ?? '',
  };
}

/** The form as the API's body. A port that is not all digits goes through as typed, for the schema to
 *  refuse naming the field. */
function bodyOf(f: Form, password: string): object {
  const port = (f.port ?? '').trim();
  return {
    driver: f.driver ?? '',
    address: f.address ?? '',
    ...(port ? { port: /^\d{1,6}$/.test(port) ? Number(port) : port } : {}),
    username: f.username ?? '',
    password,
    credentials: f.credentials ?? '',
    system_path: f.system_path ?? '',
    verify_tls: f.verify_tls === '1',
    ca_file: f.ca_file ?? '',
  };
}

/** The panel's data for host.njk. */
export async function bmcPanel(deps: Pick<Deps, 'store'>, res: Response, host: Readonly<Host>, typed?: BmcTyped) {
  const canWrite = can(res, 'power:write');
  return {
    can_write: canWrite,
    // Never the password, not even sealed; the user only for those who may set it.
    view: host.bmc ? (canWrite ? bmcView(host.bmc) : bmcSummary(host.bmc)) : undefined,
    drivers: BMC_DRIVERS,
    credential_sets: canWrite ? (await deps.store.bmcCredentials.list()).map((c) => c.name) : [],
    form: canWrite ? (typed?.form && Object.keys(typed.form).length ? typed.form : formOf(host)) : {},
    errors: typed?.errors ?? {},
  };
}

export function hostBmcPages(
  deps: Deps,
  { loggedIn, form }: Pick<PageKit, 'loggedIn' | 'form'>,
  hostPage: HostPageRender,
  caller: (req: Request, res: Response) => CallerWith<'ip'>,
): Router {
  const router = Router();
  const write = may('power:write', "set hosts' BMCs");

  router.post('/hosts/:id/bmc', form, loggedIn, write, async (req, res) => {
    const id = String(req.params.id);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const typed: Form = Object.fromEntries(FIELDS.filter((f) => f !== 'password').map((f) => [f, text(body[f])]));
    try {
      await setHostBmc(deps, id, bodyOf(typed, text(body.password)), caller(req, res), { anyAddress: can(res, 'bmc-credentials:write') });
    } catch (err) {
      if (!isFormError(err) || err.code === 'HOST_NOT_FOUND') throw err;
      const field = (err.field ?? '').replace(/^bmc\./, '');
      res.status(err.status);
      return hostPage(res, id, {}, {}, { form: typed, errors: { [FIELDS.includes(field) ? field : 'other']: err.message } });
    }
    res.redirect(303, `/hosts/${encodeURIComponent(id)}#bmc`);
  });

  router.post('/hosts/:id/bmc/clear', form, loggedIn, write, async (req, res) => {
    const id = String(req.params.id);
    if (text((req.body as Record<string, unknown> | undefined)?.confirm) !== 'yes') {
      res.status(400);
      return hostPage(res, id, {}, {}, { form: {}, errors: { clear: 'confirm that you want to remove this BMC (nothing was changed)' } });
    }
    await clearHostBmc(deps, id, caller(req, res));
    res.redirect(303, `/hosts/${encodeURIComponent(id)}#bmc`);
  });

  return router;
}
