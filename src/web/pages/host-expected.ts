// The expected-host panel of a host's page (views/host-expected.njk): the record the host took, or the
// records that matched it ambiguously with a form to choose one (docs/inventory.md#resolution-by-a-person).
// The forms go through the API's use cases (expected-hosts/resolve.ts); a refusal comes back in the
// panel. Params are never shown (secret ones would be), nor the record's BMC settings.
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import type { CallerWith } from '../../caller.js';
import type { ExpectedHost } from '../../expected-hosts/expected-host.js';
import { chooseExpectedHost, detachExpectedHost } from '../../expected-hosts/resolve.js';
import type { Host } from '../../hosts/host.js';
import { isFormError } from '../form-errors.js';
import { can, may, type PageKit } from '../kit.js';
import type { HostPageRender } from './host-bmc.js';

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** What a person needs to tell records apart. */
function recordView(r: Readonly<ExpectedHost>) {
  return {
    id: r.id,
    match: Object.entries(r.match).map(([k, v]) => `${k}=${String(v)}`),
    hostname: r.hostname,
    profile: r.profile,
    provision: r.provision,
    tags: r.tags ?? [],
    claimed_by: r.claimed_by,
  };
}

export type ExpectedPanel = Awaited<ReturnType<typeof expectedPanel>>;

/** The panel's data for host.njk: undefined when the host has no record and no ambiguity. */
export async function expectedPanel(deps: Pick<Deps, 'store'>, res: Response, host: Readonly<Host>) {
  if (!host.expected && !host.expected_ambiguous) return undefined;
  const get = (id: string) => deps.store.expectedHosts.get(id);
  const taken = host.expected ? await get(host.expected.id) : undefined;
  const candidates = [];
  for (const id of host.expected_ambiguous?.ids ?? []) {
    const r = await get(id);
    if (r) candidates.push(recordView(r));
  }
  return {
    can_write: can(res, 'hosts:write'),
    expected: host.expected,
    record: taken ? recordView(taken) : undefined,
    ambiguous: host.expected_ambiguous,
    candidates,
  };
}

export function hostExpectedPages(
  deps: Deps,
  { loggedIn, form }: Pick<PageKit, 'loggedIn' | 'form'>,
  hostPage: HostPageRender,
  caller: (req: Request, res: Response) => CallerWith<'ip'>,
): Router {
  const router = Router();
  const write = may('hosts:write', 'choose expected hosts');

  router.post('/hosts/:id/expected', form, loggedIn, write, async (req, res) => {
    const id = String(req.params.id);
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await chooseExpectedHost(deps, id, { id: text(body.record), force: text(body.force) === 'yes' }, caller(req, res));
    } catch (err) {
      if (!isFormError(err) || err.code === 'HOST_NOT_FOUND') throw err;
      res.status(err.status);
      return hostPage(res, id, {}, { expected: err.message });
    }
    res.redirect(303, `/hosts/${encodeURIComponent(id)}#expected`);
  });

  router.post('/hosts/:id/expected/detach', form, loggedIn, write, async (req, res) => {
    const id = String(req.params.id);
    try {
      await detachExpectedHost(deps, id, caller(req, res));
    } catch (err) {
      if (!isFormError(err) || err.code === 'HOST_NOT_FOUND') throw err;
      res.status(err.status);
      return hostPage(res, id, {}, { expected: err.message });
    }
    res.redirect(303, `/hosts/${encodeURIComponent(id)}#expected`);
  });

  return router;
}
