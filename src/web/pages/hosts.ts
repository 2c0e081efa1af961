// Web pages for one host (the table is hosts-table.ts): a host's page with its
// forms (assign, reset, reprovision, delete, release an identity conflict) and downloads (facts, install log). Forms go through the
// same use cases as the API; an error comes back next to its field with everything typed kept.
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { profileView } from '../../profiles/profile.js';
import { errors as appErrors } from '../../errors.js'; // aliased: the pages' field errors are `errors` here
import { assignHost, deleteHost } from '../../hosts/assign.js';
import { reprovisionHost, resetHost } from '../../hosts/reset.js';
import { releaseConflict } from '../../discovery/conflict.js';
import { conflictView } from '../../hosts/views.js';
import { assignmentFromForm } from '../assign-form.js';
import type { Session } from '../sessions.js';
import { callerOf } from '../../http/caller.js';
import { assertConfirmed, confirmationFor } from '../confirm.js';
import { fieldOf, isFormError } from '../form-errors.js';
import { can, may, type PageKit } from '../kit.js';
import { bmcPanel, hostBmcPages, type BmcTyped } from './host-bmc.js';
import { inventoryView } from '../host-inventory.js';
import type { HostPowerPages } from './host-power.js';
import { expectedPanel, hostExpectedPages } from './host-expected.js';
import { hostTagPages } from './host-tags.js';

type Form = Record<string, string>;

export function hostPages(deps: Deps, { page, loggedIn, form }: PageKit, power?: HostPowerPages): Router {
  const router = Router();
  const caller = (req: Request, res: Response) => callerOf(req, (res.locals.session as Session).user, deps.config.publicUrl);

  router.get('/hosts/:id', loggedIn, async (req, res) => {
    await hostPage(res, String(req.params.id), {}, {}, undefined, req);
  });

  router.get('/hosts/:id/facts.json', loggedIn, async (req, res) => {
    const facts = await deps.store.hosts.getFacts(String(req.params.id));
    if (!facts) throw appErrors.hostNotFound(String(req.params.id));
    res.setHeader('Content-Disposition', `attachment; filename="facts-${String(req.params.id)}.json"`);
    res.json(facts);
  });

  router.post('/hosts/:id/assign', form, loggedIn, may('hosts:write', 'assign hosts'), async (req, res) => {
    const id = String(req.params.id);
    const body = (req.body ?? {}) as Form;
    const typed = { profile: body.profile ?? '', template: body.template ?? '', hostname: body.hostname ?? '', params: body.params ?? '' };
    try {
      await assignHost(deps, id, assignmentFromForm(typed), caller(req, res));
    } catch (err) {
      if (!isFormError(err) || err.code === 'HOST_NOT_FOUND') throw err;
      // Re-render the form with the message next to its field; nothing typed is lost.
      const field = fieldOf(err, ['profile', 'template', 'hostname', 'params']);
      res.status(err.status);
      return hostPage(res, id, typed, { [field]: err.message });
    }
    res.redirect(303, `/hosts/${id}`);
  });

  // Delete, reset and reprovision ask for a confirmation first (web/confirm.ts); a refusal comes back
  // next to the button it belongs to, and nothing changed.
  for (const [path, act] of [
    ['reset', resetHost],
    ['reprovision', reprovisionHost],
    ['delete', deleteHost],
  ] as const) {
    router.post(`/hosts/:id/${path}`, form, loggedIn, may('hosts:write', `${path} hosts`), async (req, res) => {
      const id = String(req.params.id);
      try {
        assertConfirmed(await currentHost(id), path, (req.body as Form | undefined)?.confirm);
        await act(deps, id, caller(req, res));
      } catch (err) {
        if (!isFormError(err) || err.code === 'HOST_NOT_FOUND') throw err;
        res.status(err.status);
        return hostPage(res, id, {}, { [path]: err.message });
      }
      res.redirect(303, path === 'delete' ? '/hosts' : `/hosts/${id}`);
    });
  }

  // The newcomer that claimed this host's identity becomes it (docs/discovery.md#identity-conflicts).
  router.post('/hosts/:id/conflict/release', form, loggedIn, may('hosts:write', 'release hosts'), async (req, res) => {
    const id = String(req.params.id);
    try {
      await releaseConflict(deps, id, caller(req, res));
    } catch (err) {
      if (!isFormError(err) || err.code === 'HOST_NOT_FOUND') throw err;
      res.status(err.status);
      return hostPage(res, id, {}, { conflict: err.message });
    }
    res.redirect(303, `/hosts/${id}`);
  });

  router.use(hostBmcPages(deps, { loggedIn, form }, hostPage, caller));
  router.use(hostExpectedPages(deps, { loggedIn, form }, hostPage, caller));
  router.use(hostTagPages(deps, { loggedIn, form }, hostPage, caller));

  router.get('/hosts/:id/install.log', loggedIn, async (req, res) => {
    const log = await deps.store.hosts.getInstallLog(String(req.params.id));
    if (log === undefined) throw appErrors.noInstallLog(String(req.params.id));
    res.type('text/plain; charset=utf-8').send(log);
  });

  async function currentHost(id: string) {
    // A host another instance registered a moment ago may not be in this one's copy yet.
    const host = (await deps.store.hosts.get(id)) ?? (await deps.store.hosts.getLatest(id));
    if (!host) throw appErrors.hostNotFound(id);
    return host;
  }

  async function hostPage(res: Response, id: string, typed: Form, errors: Form, bmcTyped?: BmcTyped, req?: Request) {
    const host = await currentHost(id);
    const expected = await expectedPanel(deps, res, host);
    const facts = await deps.store.hosts.getFacts(id);
    page(res, 'host.njk', {
      expected_panel: expected,
      bmc: await bmcPanel(deps, res, host, bmcTyped),
      title: host.hostname ?? host.id,
      nav: 'hosts',
      host,
      // Never the claim hash or the boot key: only what a person needs to decide.
      conflict: host.conflict ? conflictView(host.conflict) : undefined,
      boot_key_set: host.boot_key !== undefined,
      facts,
      inventory: inventoryView(facts),
      has_log: (await deps.store.hosts.getInstallLog(id)) !== undefined,
      profiles: (await deps.store.profiles.list()).map(profileView),
      templates: await deps.kickstarts.list(),
      can_write: can(res, 'hosts:write'),
      confirm: confirmationFor(host),
      form: {
        // A waiting host that took a record is offered the record's profile.
        profile: typed.profile ?? host.assignment?.profile ?? expected?.record?.profile ?? '',
        template: typed.template ?? (host.assignment?.action === 'kickstart' && !host.assignment.profile ? host.assignment.template : ''),
        hostname: typed.hostname ?? host.hostname ?? '',
        params: typed.params ?? '',
      },
      errors,
      tags_form: typed.tags ?? (host.tags ?? []).join(' '),
      // The power panel (views/host-power.njk): its data and the outcome of its last form.
      power_panel: power?.panel(req?.query.power_done, res, host),
    });
  }

  return router;
}
