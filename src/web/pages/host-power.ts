// The host page's power panel (views/host-power.njk): power on, off, soft-off, cycle, reset, the next
// boot device, test connection, rediscover and reinstall. Each form goes through the same use case as
// the API, waits for its job, and comes back (303) to the host page with the outcome in the flash.
// Destructive actions need the host page's confirmation (web/confirm.ts): a ticked box, or an
// installed host's name typed.
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { BOOT_DEVICES, POWER_ACTIONS, type BootDevice, type PowerAction } from '../../bmc/bmc.js';
import { powerHost, powerStatus, setBootDevice, testBmc } from '../../bmc/actions.js';
import { compoundAction } from '../../bmc/compound.js';
import type { BmcJob } from '../../bmc/jobs/job.js';
import type { Submitted } from '../../bmc/jobs/queue.js';
import type { Host } from '../../hosts/host.js';
import { callerOf } from '../../http/caller.js';
import { assertConfirmed } from '../confirm.js';
import { Flash } from '../flash.js';
import { isFormError } from '../form-errors.js';
import { can, may, type PageKit } from '../kit.js';
import type { Session } from '../sessions.js';

type Form = Record<string, string | undefined>;

/** What a power form left for the host page. */
export interface PowerDone {
  ok: boolean;
  message: string;
  steps?: { name: string; outcome: string; message: string }[];
}

/** Actions that switch a running machine off or reboot it: confirmed. */
const CONFIRMED: ReadonlySet<PowerAction> = new Set(['off', 'soft-off', 'cycle', 'reset']);

export interface HostPowerPages {
  router: Router;
  /** The panel's data for the host page (its template reads `power_panel`). */
  panel(doneId: unknown, res: Response, host: Readonly<Host>): object;
}

export function hostPowerPages(deps: Deps, { loggedIn, form }: PageKit): HostPowerPages {
  const router = Router();
  const flash = new Flash<PowerDone>();
  const user = (res: Response) => (res.locals.session as Session).user;
  const guard = [form, loggedIn, may('power:write', 'power hosts')];

  /** Runs the action, waits for its job, and goes back to the host page with the outcome. */
  const act = (what: (req: Request, res: Response, id: string) => Promise<Submitted>) => async (req: Request, res: Response) => {
    const id = String(req.params.id);
    let done: PowerDone;
    try {
      done = outcomeOf(await (await what(req, res, id)).done);
    } catch (err) {
      if (!isFormError(err) || err.code === 'HOST_NOT_FOUND') throw err;
      done = { ok: false, message: err.message };
    }
    res.redirect(303, `/hosts/${encodeURIComponent(id)}?power_done=${flash.put(user(res), done)}`);
  };
  const caller = (req: Request, res: Response) => callerOf(req, user(res), deps.config.publicUrl);
  const body = (req: Request) => (req.body ?? {}) as Form;
  const host = async (id: string) => {
    const h = (await deps.store.hosts.get(id)) ?? (await deps.store.hosts.getLatest(id));
    if (!h) throw new AppError('HOST_NOT_FOUND', `no host with id "${id}"`);
    return h;
  };

  router.post(
    '/hosts/:id/power',
    ...guard,
    act(async (req, res, id) => {
      const action = body(req).action ?? '';
      if (!(POWER_ACTIONS as readonly string[]).includes(action))
        throw new AppError('VALIDATION', `action must be one of ${POWER_ACTIONS.join(', ')}`, 'action');
      if (CONFIRMED.has(action as PowerAction))
        assertConfirmed(await host(id), `power ${action as 'off' | 'soft-off' | 'cycle' | 'reset'}`, body(req).confirm);
      return powerHost(deps, id, action as PowerAction, caller(req, res));
    }),
  );

  router.post(
    '/hosts/:id/power/status',
    ...guard,
    act((req, res, id) => powerStatus(deps, id, caller(req, res))),
  );

  router.post(
    '/hosts/:id/boot-device',
    ...guard,
    act((req, res, id) => {
      const { device = '', persistent, mode = '' } = body(req);
      if (!(BOOT_DEVICES as readonly string[]).includes(device))
        throw new AppError('VALIDATION', `device must be one of ${BOOT_DEVICES.join(', ')}`, 'device');
      if (mode && mode !== 'uefi' && mode !== 'legacy') throw new AppError('VALIDATION', 'mode must be uefi, legacy or empty', 'mode');
      const request = {
        device: device as BootDevice,
        persistent: persistent === 'yes',
        ...(mode ? { mode: mode as 'uefi' | 'legacy' } : {}),
      };
      return setBootDevice(deps, id, request, caller(req, res));
    }),
  );

  router.post(
    '/hosts/:id/bmc/test',
    ...guard,
    act((req, res, id) => testBmc(deps, id, caller(req, res))),
  );

  for (const action of ['rediscover', 'reinstall'] as const) {
    router.post(
      `/hosts/:id/${action}`,
      ...guard,
      act(async (req, res, id) => {
        assertConfirmed(await host(id), action, body(req).confirm);
        return compoundAction(deps, id, action, caller(req, res));
      }),
    );
  }

  return {
    router,
    panel: (doneId, res, h) => ({
      can_power: can(res, 'power:write'),
      has_bmc: h.bmc !== undefined,
      power: h.power,
      done: flash.get(doneId, user(res)),
      actions: POWER_ACTIONS.map((a) => ({ value: a, confirmed: CONFIRMED.has(a) })),
      devices: BOOT_DEVICES,
    }),
  };
}

function outcomeOf(job: Readonly<BmcJob>): PowerDone {
  const steps = job.steps.length > 1 ? job.steps.map(({ name, outcome, message }) => ({ name, outcome, message })) : undefined;
  if (job.status === 'failed') {
    const at = job.error?.step && steps ? ` (stopped at: ${job.error.step})` : '';
    return { ok: false, message: `${job.action} failed: ${job.error?.message ?? 'unknown error'}${at}`, ...(steps ? { steps } : {}) };
  }
  const said = job.steps.at(-1)?.message;
  return { ok: true, message: `${job.action}: ${said ?? 'done'}`, ...(steps ? { steps } : {}) };
}
