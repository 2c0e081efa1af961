// Bulk actions from the hosts table: each host is done on its own, and the page lists what
// happened to each (one bad host does not stop the others).
import type { CallerWith } from '../caller.js';
import { AppError } from '../errors.js';
import { autoAssign } from '../rules/auto-assign.js';
import { assignHost, deleteHost, type AssignDeps } from './assign.js';
import { reprovisionHost, resetHost } from './reset.js';

export interface BulkRequest {
  ids: string[];
  /** assign, auto-assign, reset, reprovision or delete. */
  action: string;
  /** The profile to assign (action assign). */
  profile: string;
}

export interface BulkResult {
  host: string;
  outcome: string;
  reason?: string;
}

const OUTCOMES: Record<string, string> = {
  delete: 'deleted',
  reset: 'reset to waiting',
  reprovision: 'reprovisioned: waits for an assignment',
};

export async function bulkAction(
  deps: AssignDeps,
  { ids, action, profile }: BulkRequest,
  caller: CallerWith<'ip' | 'baseUrl'>,
): Promise<BulkResult[]> {
  if (!ids.length) return [{ host: '—', outcome: 'nothing selected' }];
  if (action === 'auto-assign')
    return (await autoAssign(deps, ids, caller)).map((r) => ({ host: r.host, outcome: r.outcome, reason: r.reason }));
  const results: BulkResult[] = [];
  for (const id of ids) {
    try {
      if (action === 'delete') await deleteHost(deps, id, caller);
      else if (action === 'reset') await resetHost(deps, id, caller);
      else if (action === 'reprovision') await reprovisionHost(deps, id, caller);
      else if (action === 'assign') await assignHost(deps, id, { profile }, caller);
      else throw new AppError('VALIDATION', 'choose assign, auto-assign, reset, reprovision or delete', 'bulk_action');
      results.push({ host: id, outcome: OUTCOMES[action] ?? 'assigned' });
    } catch (err) {
      // A refusal the person can act on (a 4xx) is that host's row; anything else is a fault, not a result.
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      results.push({ host: id, outcome: 'failed', reason: err.message });
    }
  }
  return results;
}
