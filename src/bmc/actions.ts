// The BMC actions a person asks for on one host: power (on, off, soft-off, cycle, reset), its status,
// the next boot device, and "test connection". Each is a job on the queue (jobs/queue.ts); when it
// ends, its outcome — or the BMC's clear failure ("wrong user or password") — goes on the host's
// timeline, changes go to the audit trail, and host.power follows what the BMC answered.
import { audit, type AuditDeps } from '../audit/audit.js';
import type { CallerWith } from '../caller.js';
import type { Deps } from '../deps.js';
import type { BmcIdentity, BootDeviceRequest, PowerAction, PowerState } from './bmc.js';
import { BmcError } from './driver.js';
import { appErrorOf } from './jobs/errors.js';
import type { JobContext, JobRequest, Submitted } from './jobs/queue.js';
import { bmcKey, hostWithBmc, onBmc, type OperationDeps } from './operation.js';
import { recordOnHost, type Outcome, type RecordDeps } from './record.js';

export type ActionDeps = OperationDeps & RecordDeps & AuditDeps & Pick<Deps, 'bmcJobs'>;

/** What the machine's power is once the BMC accepted the action; soft-off is left to the refresh (the
 *  operating system shuts down in its own time). */
const POWER_AFTER: Record<PowerAction, PowerState | undefined> = { on: 'on', off: 'off', 'soft-off': undefined, cycle: 'on', reset: 'on' };

const POWER_WORDS: Record<PowerAction, string> = {
  on: 'power on',
  off: 'power off',
  'soft-off': 'soft power off',
  cycle: 'power cycle',
  reset: 'reset',
};

export async function powerHost(deps: ActionDeps, id: string, action: PowerAction, caller: CallerWith<'ip'>): Promise<Submitted> {
  return submit(deps, id, `power-${action}`, caller, async (ctx) => {
    const words = POWER_WORDS[action];
    return oneStep(deps, ctx, id, caller, {
      name: words,
      run: () => onBmc(deps, ctx, id, (driver, target, signal) => driver.power(target, action, signal)),
      done: () => ({ event: { type: `power-${action}`, message: `${words}: done` }, ...powerAfter(action) }),
      failed: (message) => ({ type: `power-${action}`, message: `${words} failed: ${message}` }),
      audit: { action: 'host.power', detail: action },
    });
  });
}

export async function setBootDevice(
  deps: ActionDeps,
  id: string,
  request: BootDeviceRequest,
  caller: CallerWith<'ip'>,
): Promise<Submitted> {
  const words = `next boot ${bootWords(request)}`;
  return submit(deps, id, 'boot-device', caller, (ctx) =>
    oneStep(deps, ctx, id, caller, {
      name: words,
      run: () => onBmc(deps, ctx, id, (driver, target, signal) => driver.setBootDevice(target, request, signal)),
      done: () => ({ event: { type: 'boot-device', message: `${words}: set` } }),
      failed: (message) => ({ type: 'boot-device', message: `${words} failed: ${message}` }),
      audit: { action: 'host.boot-device', detail: bootWords(request) },
    }),
  );
}

/** Asks the BMC now (a person's click); the hosts table's column is kept by the background refresh.
 *  Any role may ask, so the answer goes to host.power only (when it changed), never on the timeline: a
 *  viewer asking again and again must not push the assignments and deliveries off it. */
export async function powerStatus(
  deps: ActionDeps,
  id: string,
  caller: CallerWith<'ip'>,
  /** Asked by a role that may not power hosts (a viewer): waits behind every action, as the background
   *  refresh does, so reading cannot delay what operators do. */
  reader = false,
): Promise<Submitted> {
  return submit(
    deps,
    id,
    'status',
    caller,
    (ctx) =>
      oneStep(deps, ctx, id, caller, {
        name: 'power status',
        run: () => onBmc(deps, ctx, id, (driver, target, signal) => driver.powerState(target, signal)),
        done: (state: PowerState) => ({ power: { state } }),
        failed: () => undefined,
        unknownOnFailure: true,
      }),
    // Asked while a check of this host is unfinished: the same check answers both.
    // Not kept for GET /api/v1/bmc/jobs: the answer carries it, and reads must not push actions' jobs out.
    { share: `status:${id}`, ephemeral: true, ...(reader ? { priority: 'low' as const } : {}) },
  );
}

/** "Test connection": the power state and who the BMC says it is. */
export async function testBmc(deps: ActionDeps, id: string, caller: CallerWith<'ip'>): Promise<Submitted> {
  return submit(deps, id, 'bmc-test', caller, (ctx) =>
    oneStep(deps, ctx, id, caller, {
      name: 'test connection',
      run: () => onBmc(deps, ctx, id, (driver, target, signal) => driver.identify(target, signal)),
      done: (identity: BmcIdentity) => ({
        event: { type: 'bmc-test', message: `BMC test: answered, ${identityWords(identity)}` },
        power: { state: identity.power },
      }),
      failed: (message) => ({ type: 'bmc-test', message: `BMC test failed: ${message}` }),
      unknownOnFailure: true,
    }),
  );
}

/** The host must have a BMC before anything is queued (404, 409 BMC_NOT_CONFIGURED); the job holds
 *  that BMC for its whole run, so compound actions never interleave with another job on it. */
export async function submit(
  deps: ActionDeps,
  id: string,
  action: string,
  caller: CallerWith<'ip'>,
  run: (ctx: JobContext) => Promise<unknown>,
  extra: Pick<JobRequest, 'priority' | 'share' | 'ephemeral'> = {},
): Promise<Submitted> {
  const host = await hostWithBmc(deps, id);
  return deps.bmcJobs.submit({ host: host.id, action, actor: caller.actor, key: bmcKey(host.bmc), ...extra, run });
}

interface StepSpec<T> {
  name: string;
  run: () => Promise<T>;
  done: (value: T) => Outcome;
  /** The timeline event of a failure; undefined: none (status). */
  failed: (message: string) => { type: string; message: string } | undefined;
  audit?: { action: string; detail: string };
  /** A failed check says the power is unknown, and why (unreachable, wrong password…). */
  unknownOnFailure?: boolean;
}

/** One step, its outcome recorded on the timeline and (for changes) in the audit trail, failed or not. */
async function oneStep<T>(deps: ActionDeps, ctx: JobContext, id: string, caller: CallerWith<'ip'>, spec: StepSpec<T>): Promise<T> {
  let value: T;
  try {
    value = await ctx.step(spec.name, spec.run, (v) => spec.done(v).event?.message ?? String(v));
  } catch (err) {
    const error = appErrorOf(err);
    const power = spec.unknownOnFailure && err instanceof BmcError ? { power: { state: 'unknown' as const, error: error.message } } : {};
    const event = spec.failed(error.message);
    await recordOnHost(deps, id, { ...(event ? { event } : {}), ...power }, caller);
    if (spec.audit) await audit(deps, caller.actor, spec.audit.action, id, `${spec.audit.detail}: failed (${error.code})`);
    throw err;
  }
  await recordOnHost(deps, id, spec.done(value), caller);
  if (spec.audit) await audit(deps, caller.actor, spec.audit.action, id, `${spec.audit.detail}: done`);
  return value;
}

export function powerAfter(action: PowerAction): Pick<Outcome, 'power'> {
  const state = POWER_AFTER[action];
  return state ? { power: { state } } : {};
}

export function bootWords({ device, persistent, mode }: BootDeviceRequest): string {
  return `${device} (${persistent ? 'persistent' : 'once'}${mode ? `, ${mode}` : ''})`;
}

function identityWords({ power, manufacturer, model, firmware }: BmcIdentity): string {
  return [`power ${power}`, manufacturer, model, firmware ? `firmware ${firmware}` : undefined].filter(Boolean).join(', ');
}
