// The hosts table page: server-side filter (state chips, search, `where`), sort and keyset pages; its
// refresh fragment; bulk actions and "apply the rules to the waiting hosts", each a POST answered with
// a 303 back to the same list (post/redirect/get) with the results kept a few minutes (flash.ts).
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import {
  bulkAction,
  BULK_CAP,
  CONFIRMED_ACTIONS,
  INSTALLED_CONFIRMED,
  isPowerBulk,
  type BulkOutcome,
  type BulkResult,
} from '../../hosts/bulk.js';
import { PAGE_SIZES, readHostQuery, runHostQuery, type HostPage, type HostQuery } from '../../hosts/query.js';
import { chosenColumns, EXTRA_COLUMNS, sortKeys, STATES } from '../../hosts/table.js';
import { profileView } from '../../profiles/profile.js';
import { autoAssign } from '../../rules/auto-assign.js';
import { baseUrl } from '../../http/base-url.js';
import { callerOf } from '../../http/caller.js';
import { Flash } from '../flash.js';
import { isFormError } from '../form-errors.js';
import { can, may, mustBeAllowed, type PageKit } from '../kit.js';
import type { Session } from '../sessions.js';

const DEFAULT_PAGE = 100;
/** Results listed host by host on the page; the rest are counted. */
const RESULTS_SHOWN = 200;

const BULK_LABELS = [
  { value: 'assign', label: 'assign profile…' },
  { value: 'auto-assign', label: 'run the rules' },
  { value: 'reset', label: 'reset to waiting' },
  { value: 'reprovision', label: 'reprovision (installed)' },
  { value: 'delete', label: 'delete' },
  // One free tag, typed in the Tag field (docs/inventory.md#tags).
  { value: 'tag', label: 'add tag…' },
  { value: 'untag', label: 'remove tag…' },
  // Through each host's BMC (docs/bmc.md#actions-the-job-queue-and-the-power-column); shown to those with power:write.
  { value: 'power-on', label: 'power on', power: true },
  { value: 'power-off', label: 'power off', power: true },
  { value: 'power-cycle', label: 'power cycle', power: true },
  { value: 'rediscover', label: 'rediscover (reset, PXE, cycle)', power: true },
  { value: 'reinstall', label: 'reinstall (installed: reprovision, PXE, cycle)', power: true },
];

/** What a POST left for the page it redirects to. */
interface Done {
  summary?: string;
  results?: BulkResult[];
  more?: number;
  failed?: boolean;
  error?: string;
  field?: string;
  /** What was chosen, so a refused action comes back as it was sent. */
  selected?: string[];
  scope?: string;
  action?: string;
  profile?: string;
  tag?: string;
}

type Body = Record<string, string | string[] | undefined>;

export function hostsTablePages(deps: Deps, { page, loggedIn, form }: PageKit): Router {
  const router = Router();
  const flash = new Flash<Done>();
  const user = (res: Response) => (res.locals.session as Session).user;
  const caller = (req: Request, res: Response) => callerOf(req, user(res), deps.config.publicUrl);

  router.get('/hosts', loggedIn, async (req, res) => {
    const raw = req.query as Record<string, unknown>;
    const columns = chosenColumns(raw.cols);
    const query = pageQuery(raw, false);
    let whereError: string | undefined;
    const all = await deps.store.hosts.list();
    const started = performance.now();
    let result: HostPage;
    try {
      result = runHostQuery(all, query);
    } catch (err) {
      if (!(err instanceof AppError) || err.field !== 'where') throw err;
      // The error shows at the filter box; the list is empty rather than silently unfiltered.
      whereError = err.message.replace(/^where: /, '');
      result = { hosts: [], total: 0, offset: 0, next_cursor: null, counts: runHostQuery(all, { ...query, where: '', limit: 0 }).counts };
    }
    res.setHeader('Server-Timing', `query;dur=${(performance.now() - started).toFixed(1)}`);
    const done = flash.get(raw.done, user(res));
    const hosts = result.hosts.map((h) => ({ ...h, extra: columns.map((c) => String(c.value(h) ?? '—')) }));
    const common = {
      hosts,
      columns,
      can_write: can(res, 'hosts:write'),
      selected: done?.selected ?? [],
      total: result.total,
      total_hosts: all.length,
      offset: result.offset,
      waiting: all.filter((h) => h.state === 'discovered').length,
      ks_url: `${baseUrl(req, deps.config.publicUrl)}/ks`,
    };
    if (raw.fragment === 'rows') {
      page(res, 'hosts-fragment.njk', { ...common, counts_text: JSON.stringify(result.counts) });
      return;
    }
    const links = linksFor(
      query,
      columns.map((c) => c.key),
    );
    page(res, 'hosts.njk', {
      ...common,
      title: 'Hosts',
      nav: 'hosts',
      ...query,
      limit: query.limit,
      where_error: whereError,
      counts: result.counts,
      states: STATES,
      page_sizes: PAGE_SIZES,
      all_columns: EXTRA_COLUMNS.map((c) => ({ key: c.key, label: c.label, chosen: columns.includes(c) })),
      sort_links: Object.fromEntries(sortKeys().map((k) => [k, links.sort(k)])),
      chip_links: Object.fromEntries(['', ...STATES].map((s) => [s, links.state(s)])),
      next_link: result.next_cursor ? links.cursor(result.next_cursor) : undefined,
      first_link: links.cursor(undefined),
      query_string: links.current,
      installed_matching: !query.state || query.state === 'installed' ? result.counts.installed : 0,
      bulk_cap: BULK_CAP,
      confirmed_actions: [...CONFIRMED_ACTIONS].join(' '),
      installed_confirmed: [...INSTALLED_CONFIRMED].join(' '),
      bulk_actions: BULK_LABELS.filter((a) => !a.power || can(res, 'power:write')),
      profiles: (await deps.store.profiles.list()).map(profileView),
      done,
    });
  });

  // Each host is done on its own; the list comes back (303) with what happened to each.
  router.post('/hosts/bulk', form, loggedIn, may('hosts:write', 'change hosts'), async (req, res) => {
    const body = (req.body ?? {}) as Body;
    const back = backTo(body.query);
    const ids = ([] as string[]).concat(body.ids ?? []).filter((s) => typeof s === 'string');
    const action = String(body.bulk_action ?? '');
    const profile = String(body.profile ?? '');
    const tag = typeof body.tag === 'string' ? body.tag.slice(0, 100) : '';
    const chosen = { selected: ids.slice(0, BULK_CAP), scope: body.scope === 'query' ? 'query' : 'ids', action, profile, tag };
    let done: Done;
    try {
      if (isPowerBulk(action)) mustBeAllowed(res, 'power:write', 'power hosts');
      const outcome = await bulkAction(
        deps,
        {
          targets: chosen.scope === 'query' ? { query: pageQuery(Object.fromEntries(back.params), true) } : { ids },
          action,
          profile,
          tag,
          confirm: String(body.confirm ?? ''),
          confirmInstalled: String(body.confirm_installed ?? ''),
        },
        caller(req, res),
      );
      done = { ...resultsOf(action, outcome), action, profile, tag };
      if (outcome.results.some((r) => r.outcome === 'failed'))
        done.selected = outcome.results.filter((r) => r.outcome === 'failed').map((r) => r.host);
    } catch (err) {
      if (!isFormError(err)) throw err;
      // Refused as a whole: back to the same list with the error, the filter, sort and ticks as they were.
      done = { ...chosen, error: err.message, ...(err.field ? { field: err.field } : {}) };
    }
    res.redirect(303, back.withDone(flash.put(user(res), done)));
  });

  // "Apply the rules to the N waiting hosts now": POST /api/v1/hosts/auto-assign, as a button.
  router.post('/hosts/auto-assign', form, loggedIn, may('hosts:write', 'run the rules'), async (req, res) => {
    const back = backTo((req.body as Body | undefined)?.query);
    const results = await autoAssign(deps, 'waiting', caller(req, res));
    const done = resultsOf('auto-assign', {
      results: results.map((r) => ({ host: r.host, outcome: r.outcome, reason: r.reason })),
      capped: false,
    });
    res.redirect(303, back.withDone(flash.put(user(res), done)));
  });

  return router;
}

/** The page's query: lenient (a hand-edited link falls back to defaults), page sizes from the menu. */
function pageQuery(raw: Record<string, unknown>, forBulk: boolean): HostQuery {
  const query = readHostQuery(raw, { lenient: true, defaultLimit: DEFAULT_PAGE });
  const limit = (PAGE_SIZES as readonly number[]).includes(query.limit ?? 0) ? query.limit : DEFAULT_PAGE;
  return forBulk ? { ...query, limit: undefined, cursor: undefined } : { ...query, limit };
}

/** The list URL a form came from (its `query` field), checked: only /hosts and known parameters. */
function backTo(raw: unknown) {
  const kept = new URLSearchParams();
  const given = new URLSearchParams(typeof raw === 'string' ? raw : '');
  for (const name of ['state', 'q', 'where', 'sort', 'dir', 'limit', 'cursor', 'cols'])
    for (const v of given.getAll(name)) kept.append(name, v);
  const params = new Map<string, string>();
  for (const [k, v] of kept) if (k !== 'cols') params.set(k, v);
  return {
    params,
    withDone(id: string) {
      const p = new URLSearchParams(kept);
      p.set('done', id);
      return `/hosts?${p.toString()}`;
    },
  };
}

function linksFor(query: HostQuery, cols: string[]) {
  const base = (over: Record<string, string | undefined>) => {
    const p = new URLSearchParams();
    const v: Record<string, string | undefined> = {
      state: query.state,
      q: query.q,
      where: query.where,
      sort: query.sort === 'first_seen' && query.dir === 'asc' ? undefined : query.sort,
      dir: query.sort === 'first_seen' && query.dir === 'asc' ? undefined : query.dir,
      limit: query.limit === DEFAULT_PAGE ? undefined : String(query.limit),
      cursor: query.cursor,
      ...over,
    };
    for (const [k, value] of Object.entries(v)) if (value) p.set(k, value);
    for (const c of cols) p.append('cols', c);
    return p.toString();
  };
  return {
    current: base({}),
    // A new sort, state or filter starts at the first page: the cursor belongs to the old order.
    sort: (key: string) =>
      `/hosts?${base({ sort: key, dir: key === query.sort && query.dir === 'asc' ? 'desc' : 'asc', cursor: undefined })}`,
    state: (state: string) => `/hosts?${base({ state, cursor: undefined })}`,
    cursor: (cursor: string | undefined) => `/hosts?${base({ cursor })}`,
  };
}

function resultsOf(action: string, outcome: BulkOutcome): Done {
  const tally = new Map<string, number>();
  for (const r of outcome.results) tally.set(r.outcome, (tally.get(r.outcome) ?? 0) + 1);
  const parts = [...tally].map(([what, n]) => `${n} ${what}`).join(', ');
  const scope =
    outcome.matched !== undefined
      ? outcome.capped
        ? ` — ${outcome.results.length} of the ${outcome.matched} matching hosts (at most ${BULK_CAP} at a time: run it again for the rest)`
        : ` — all ${outcome.matched} matching hosts`
      : '';
  // Failures first: they are what the person has to act on.
  const ordered = [...outcome.results.filter((r) => r.outcome === 'failed'), ...outcome.results.filter((r) => r.outcome !== 'failed')];
  return {
    summary: `${action}: ${parts || 'nothing to do'}${scope}`,
    results: ordered.slice(0, RESULTS_SHOWN),
    more: Math.max(0, ordered.length - RESULTS_SHOWN),
    failed: ordered.some((r) => r.outcome === 'failed'),
  };
}
