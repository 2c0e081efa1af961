// Bulk actions from the hosts table: on the ticked hosts, or on every host a query matches (evaluated
// again here, at the moment of the action, not taken from what a page showed minutes ago). Each host
// is done on its own and the results say what happened to each (one bad host does not stop the
// others). Destructive actions need a confirmation the server checks, not only a dialog: `confirm`,
// and for installed hosts in a delete or reprovision their number typed out (docs/web.md#bulk-actions).
import type { CallerWith } from '../caller.js';
import { AppError } from '../errors.js';
import { autoAssign } from '../rules/auto-assign.js';
import { assignHost, deleteHost, type AssignDeps } from './assign.js';
import type { Host } from './host.js';
import { matchingIds, type HostQuery } from './query.js';
import { reprovisionHost, resetHost } from './reset.js';
import type { CompoundDeps } from '../bmc/compound.js';
import { finishedWithin, powerEach, type BulkPowerAction } from '../bmc/power-each.js';
import { changeHostTags, tagsFromText } from '../tags/host-tags.js';

/** The most hosts one bulk action touches; "all matching" past it acts on the first ones and says so. */
export const BULK_CAP = 1000;

export const BULK_ACTIONS = [
  'assign',
  'auto-assign',
  'reset',
  'reprovision',
  'delete',
  'power-on',
  'power-off',
  'power-cycle',
  'rediscover',
  'reinstall',
  'tag',
  'untag',
] as const;
/** Actions that lose work or an installed system (a machine switched off or rebooted mid-install is
 *  both): confirmed. */
export const CONFIRMED_ACTIONS: ReadonlySet<string> = new Set([
  'reset',
  'reprovision',
  'delete',
  'power-off',
  'power-cycle',
  'rediscover',
  'reinstall',
]);
/** Actions where installed hosts among the targets are counted out loud. */
export const INSTALLED_CONFIRMED: ReadonlySet<string> = new Set(['reprovision', 'delete', 'reinstall']);

/** The BMC actions (bmc/power-each.ts): each host a job on the BMC queue. */
const POWER_BULK: Readonly<Record<string, BulkPowerAction>> = {
  'power-on': 'on',
  'power-off': 'off',
  'power-cycle': 'cycle',
  rediscover: 'rediscover',
  reinstall: 'reinstall',
};
/** How long the page waits for the BMC jobs before it reports the ones still running. */
export const POWER_WAIT_MS = 60_000;

/** A bulk action that goes through the BMCs (power:write, not hosts:write). */
export function isPowerBulk(action: string): boolean {
  return Object.hasOwn(POWER_BULK, action);
}

export interface BulkRequest {
  /** The ticked hosts, or every host the query matches (capped at BULK_CAP). */
  targets: { ids: string[] } | { query: HostQuery };
  /** One of BULK_ACTIONS. */
  action: string;
  /** The profile to assign (action assign). */
  profile: string;
  /** The free tag to add (action tag) or remove (action untag). */
  tag?: string;
  /** "yes" for reset, reprovision and delete. */
  confirm?: string;
  /** For delete and reprovision with installed hosts among the targets: how many, typed out. */
  confirmInstalled?: string;
}

export interface BulkResult {
  host: string;
  outcome: string;
  reason?: string;
}

export interface BulkOutcome {
  results: BulkResult[];
  /** How many hosts the query matched, when it was "all matching" (may exceed what was acted on). */
  matched?: number;
  capped: boolean;
}

const OUTCOMES: Record<string, string> = {
  delete: 'deleted',
  reset: 'reset to waiting',
  reprovision: 'reprovisioned: waits for an assignment',
  tag: 'tagged',
  untag: 'untagged',
};

export async function bulkAction(
  deps: AssignDeps & CompoundDeps,
  request: BulkRequest,
  caller: CallerWith<'ip' | 'baseUrl'>,
): Promise<BulkOutcome> {
  const { action, profile } = request;
  if (!(BULK_ACTIONS as readonly string[]).includes(action))
    throw new AppError('VALIDATION', `choose ${BULK_ACTIONS.join(', ')}`, 'bulk_action');
  const all = await deps.store.hosts.list();
  let ids: string[];
  let matched: number | undefined;
  if ('query' in request.targets) {
    const m = matchingIds(all, request.targets.query, BULK_CAP);
    ids = m.ids;
    matched = m.total;
  } else ids = [...new Set(request.targets.ids)].slice(0, BULK_CAP);
  if (!ids.length) throw new AppError('VALIDATION', 'no host selected: tick some hosts or "all matching"', 'ids');
  const tag = (request.tag ?? '').trim();
  if ((action === 'tag' || action === 'untag') && (!tag || tagsFromText(tag, 'tag').length !== 1))
    throw new AppError('VALIDATION', 'tag: give one tag to add or remove', 'tag');
  checkConfirmation(request, ids, all);

  const capped = matched !== undefined && matched > ids.length;
  const power = POWER_BULK[action];
  if (power) {
    const results = (await finishedWithin(await powerEach(deps, ids, power, caller), POWER_WAIT_MS)).map(powerResult);
    return { results, ...(matched !== undefined ? { matched } : {}), capped };
  }
  if (action === 'auto-assign') {
    const results = (await autoAssign(deps, ids, caller)).map((r) => ({ host: r.host, outcome: r.outcome, reason: r.reason }));
    return { results, ...(matched !== undefined ? { matched } : {}), capped };
  }
  const results: BulkResult[] = [];
  for (const id of ids) {
    try {
      if (action === 'delete') await deleteHost(deps, id, caller);
      else if (action === 'reset') await resetHost(deps, id, caller);
      else if (action === 'reprovision') await reprovisionHost(deps, id, caller);
      else if (action === 'tag') await changeHostTags(deps, id, { add: [tag] }, caller);
      else if (action === 'untag') await changeHostTags(deps, id, { remove: [tag] }, caller);
      else await assignHost(deps, id, { profile }, caller);
      results.push({ host: id, outcome: OUTCOMES[action] ?? 'assigned' });
    } catch (err) {
      // A refusal the person can act on (a 4xx) is that host's row; anything else is a fault, not a result.
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      results.push({ host: id, outcome: 'failed', reason: err.message });
    }
  }
  return { results, ...(matched !== undefined ? { matched } : {}), capped };
}

function powerResult(r: Awaited<ReturnType<typeof finishedWithin>>[number]): BulkResult {
  if ('error' in r) return { host: r.host, outcome: 'failed', reason: r.error.message };
  const { job } = r;
  if (job.status === 'succeeded') return { host: r.host, outcome: 'done' };
  if (job.status === 'failed') {
    const step = job.error?.step && job.steps.length > 1 ? ` (step: ${job.error.step})` : '';
    return { host: r.host, outcome: 'failed', reason: `${job.error?.message ?? 'failed'}${step}` };
  }
  return { host: r.host, outcome: `still ${job.status}`, reason: `job ${job.id}: GET /api/v1/bmc/jobs/${job.id}` };
}

function checkConfirmation({ action, confirm, confirmInstalled }: BulkRequest, ids: string[], all: readonly Readonly<Host>[]): void {
  if (!CONFIRMED_ACTIONS.has(action)) return;
  if (confirm !== 'yes') throw new AppError('VALIDATION', `confirm the ${action} of ${ids.length} host(s) first`, 'confirm');
  if (!INSTALLED_CONFIRMED.has(action)) return;
  const chosen = new Set(ids);
  const installed = all.filter((h) => h.state === 'installed' && chosen.has(h.id)).length;
  if (installed && (confirmInstalled ?? '').trim() !== String(installed))
    throw new AppError(
      'VALIDATION',
      `${installed} of the ${ids.length} host(s) are installed: type ${installed} to ${action} them`,
      'confirm_installed',
    );
}
