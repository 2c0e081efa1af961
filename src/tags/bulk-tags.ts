// Tags given or taken on many hosts at once (POST /api/v1/hosts/tags; the hosts table's bulk form goes
// through hosts/bulk.ts with one tag): on the ids given, or on every host a query matches at this
// moment, at most BULK_CAP. Each host is done on its own, and the results say what happened to each.
import type { CallerWith } from '../caller.js';
import { AppError } from '../errors.js';
import { BULK_CAP, type BulkOutcome, type BulkResult } from '../hosts/bulk.js';
import { matchingIds, type HostQuery } from '../hosts/query.js';
import { changeHostTags, describeTagChange, type HostTagsDeps } from './host-tags.js';

export async function tagHosts(
  deps: HostTagsDeps,
  targets: { ids: string[] } | { query: HostQuery },
  change: { add?: string[]; remove?: string[] },
  caller: CallerWith<'ip'>,
): Promise<BulkOutcome> {
  if (!change.add?.length && !change.remove?.length) throw new AppError('VALIDATION', 'give tags to add or to remove', 'add');
  let ids: string[];
  let matched: number | undefined;
  if ('query' in targets) {
    const m = matchingIds(await deps.store.hosts.list(), targets.query, BULK_CAP);
    ids = m.ids;
    matched = m.total;
  } else ids = [...new Set(targets.ids)].slice(0, BULK_CAP);
  if (!ids.length) throw new AppError('VALIDATION', 'no host selected', 'ids');
  const results: BulkResult[] = [];
  for (const id of ids) {
    try {
      const before = (await deps.store.hosts.get(id))?.tags ?? [];
      const host = await changeHostTags(deps, id, change, caller);
      const what = describeTagChange(before, host.tags ?? []);
      results.push({ host: id, outcome: what ? 'changed' : 'unchanged', ...(what ? { reason: what } : {}) });
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      results.push({ host: id, outcome: 'failed', reason: err.message });
    }
  }
  return { results, ...(matched !== undefined ? { matched } : {}), capped: matched !== undefined && matched > ids.length };
}
