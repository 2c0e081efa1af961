// Power on a rack, cycle a row: one job per host on the queue, which keeps the BMCs from a storm
// (per-BMC 1, the global limit). The answer names each host's job, or why that host got none (no
// BMC, unknown id); one host's refusal never stops the others. Everything but "on" is confirmed.
import type { CallerWith } from '../caller.js';
import { AppError } from '../errors.js';
import { BULK_CAP } from '../hosts/bulk.js';
import { matchingIds, type HostQuery } from '../hosts/query.js';
import type { CompoundDeps } from './compound.js';
import { powerEach, type BulkPowerAction, type PerHost } from './power-each.js';

export type { BulkPowerAction };

export interface BulkPowerRequest {
  targets: { ids: string[] } | { query: HostQuery };
  action: BulkPowerAction;
  confirmed: boolean;
}

export interface BulkPowerOutcome {
  /** Per host, in order: its job, or the reason it has none. */
  hosts: PerHost[];
  matched?: number;
  capped: boolean;
}

export async function bulkPower(deps: CompoundDeps, request: BulkPowerRequest, caller: CallerWith<'ip'>): Promise<BulkPowerOutcome> {
  const { action } = request;
  let ids: string[];
  let matched: number | undefined;
  if ('query' in request.targets) {
    const m = matchingIds(await deps.store.hosts.list(), request.targets.query, BULK_CAP);
    ids = m.ids;
    matched = m.total;
  } else ids = [...new Set(request.targets.ids)].slice(0, BULK_CAP);
  if (!ids.length) throw new AppError('VALIDATION', 'no host selected: give ids or a query that matches hosts', 'ids');
  if (action !== 'on' && !request.confirmed)
    throw new AppError('VALIDATION', `confirm the ${action} of ${ids.length} host(s) first (confirm: true)`, 'confirm');
  const hosts = await powerEach(deps, ids, action, caller);
  return { hosts, ...(matched !== undefined ? { matched } : {}), capped: matched !== undefined && matched > ids.length };
}
