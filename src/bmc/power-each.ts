// One power action or compound action per host, each its own job (the queue spreads them): what the
// API's bulk route and the hosts page's bulk select share. A host without a BMC, or gone, gets its
// reason instead of a job; the others go on.
import type { CallerWith } from '../caller.js';
import { AppError } from '../errors.js';
import { POWER_ACTIONS, type PowerAction } from './bmc.js';
import { powerHost } from './actions.js';
import { compoundAction, type CompoundAction, type CompoundDeps } from './compound.js';
import type { BmcJob } from './jobs/job.js';
import type { Submitted } from './jobs/queue.js';

export type BulkPowerAction = PowerAction | CompoundAction;

export type PerHost = { host: string; submitted: Submitted } | { host: string; error: AppError };

export async function powerEach(
  deps: CompoundDeps,
  ids: readonly string[],
  action: BulkPowerAction,
  caller: CallerWith<'ip'>,
): Promise<PerHost[]> {
  const out: PerHost[] = [];
  for (const id of ids) {
    try {
      const submitted = (POWER_ACTIONS as readonly string[]).includes(action)
        ? await powerHost(deps, id, action as PowerAction, caller)
        : await compoundAction(deps, id, action as CompoundAction, caller);
      out.push({ host: id, submitted });
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      out.push({ host: id, error: err });
    }
  }
  return out;
}

/** Each host's job once finished, waiting at most `waitMs` (a web form cannot wait for ever): a job
 *  still running then is reported as such, with its id to look up. */
export async function finishedWithin(
  perHost: readonly PerHost[],
  waitMs: number,
): Promise<({ host: string; job: Readonly<BmcJob> } | { host: string; error: AppError })[]> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
  await Promise.race([Promise.all(perHost.map((p) => ('submitted' in p ? p.submitted.done : Promise.resolve()))), deadline]);
  clearTimeout(timer);
  return perHost.map((p) => ('submitted' in p ? { host: p.host, job: p.submitted.job } : p));
}
