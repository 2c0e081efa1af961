// One query over the hosts, for the API (GET /api/v1/hosts) and the hosts page alike: a state, a
// search text (search.ts), a `where` filter in the rule language (filter.ts), a sort with ties broken
// by id, and keyset pagination. A cursor names the last row shown (its sort value and id), not an
// offset, so hosts registering meanwhile never shift or repeat a page. Everything runs over the
// in-memory host records: no facts file is read. docs/api.md#listing-hosts.
import { AppError } from '../errors.js';
import type { Expr } from '../rules/expression.js';
import { compileFilter, matchesFilter } from './filter.js';
import type { Host, HostState } from './host.js';
import { matchesSearch, searchTerms, type SearchTerm } from './search.js';
import { SORT_KEYS, STATES } from './table.js';

/** Page sizes the page offers; the API takes any limit up to MAX_LIMIT. */
export const PAGE_SIZES = [25, 50, 100, 250, 500] as const;
export const MAX_LIMIT = 1000;
export const DEFAULT_SORT = 'first_seen';
const MAX_Q = 200;

export interface HostQuery {
  state: HostState | '';
  q: string;
  where: string;
  sort: string;
  dir: 'asc' | 'desc';
  /** undefined: every matching host (the API without `limit`). */
  limit: number | undefined;
  cursor: string | undefined;
}

export interface HostPage {
  hosts: Readonly<Host>[];
  /** Hosts matching state, q and where (all pages). */
  total: number;
  /** How many matching hosts come before this page (shown as "101–200 of 3,000"). */
  offset: number;
  /** The cursor of the next page, null on the last one. */
  next_cursor: string | null;
  /** Hosts matching q and where, per state (the chips); `all` is their sum. */
  counts: Record<HostState | 'all', number>;
}

const bad = (field: string, message: string) => new AppError('VALIDATION', `${field}: ${message}`, field);
const one = (raw: Record<string, unknown>, name: string): string | undefined => {
  const v = raw[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(name, 'give it once, as text');
  return v;
};

/** The query from URL parameters. Strict (the API): anything wrong is a VALIDATION error naming the
 *  parameter. Lenient (the page, whose links a person edits): an unknown state, sort, direction,
 *  limit or a stale cursor falls back to the default; a bad `where` is still an error to show. */
export function readHostQuery(
  raw: Record<string, unknown>,
  { lenient = false, defaultLimit }: { lenient?: boolean; defaultLimit?: number } = {},
): HostQuery {
  const orDefault = <T>(read: () => T, fallback: T): T => {
    if (!lenient) return read();
    try {
      return read();
    } catch {
      return fallback;
    }
  };
  const state = orDefault(() => {
    const s = one(raw, 'state') ?? '';
    if (s && !(STATES as readonly string[]).includes(s)) throw bad('state', `"${s}" is not one of ${STATES.join(', ')}`);
    return s as HostState | '';
  }, '' as const);
  const q = orDefault(() => {
    const s = (one(raw, 'q') ?? '').trim();
    if (s.length > MAX_Q) throw bad('q', `longer than ${MAX_Q} characters`);
    return s;
  }, '');
  const sort = orDefault(() => {
    const s = one(raw, 'sort') || DEFAULT_SORT;
    if (!Object.hasOwn(SORT_KEYS, s)) throw bad('sort', `"${s}" is not one of ${Object.keys(SORT_KEYS).join(', ')}`);
    return s;
  }, DEFAULT_SORT);
  const dir = orDefault(() => {
    const d = one(raw, 'dir') || 'asc';
    if (d !== 'asc' && d !== 'desc') throw bad('dir', 'asc or desc');
    return d;
  }, 'asc' as const);
  const limit = orDefault(() => {
    const l = one(raw, 'limit');
    if (l === undefined || l === '') return defaultLimit;
    if (!/^\d+$/.test(l) || Number(l) < 1 || Number(l) > MAX_LIMIT) throw bad('limit', `a whole number from 1 to ${MAX_LIMIT}`);
    return Number(l);
  }, defaultLimit);
  const cursor = orDefault(() => {
    const c = one(raw, 'cursor') || undefined;
    if (c !== undefined) decodeCursor(c, sort, dir);
    return c;
  }, undefined);
  const where = (one(raw, 'where') ?? '').trim();
  return { state, q, where, sort, dir, limit, cursor };
}

interface Entry {
  host: Readonly<Host>;
  key: string | number | undefined | null;
}

type Position = [key: string | number | null, id: string];

function missing(k: unknown): boolean {
  return k === undefined || k === null || k === '';
}

/** Missing values last whatever the direction (they are not "smallest"); ties by id, ascending. */
function compare(ak: unknown, aid: string, bk: unknown, bid: string, sign: number): number {
  const am = missing(ak);
  const bm = missing(bk);
  if (am !== bm) return am ? 1 : -1;
  if (!am) {
    if ((ak as string) < (bk as string)) return -sign;
    if ((ak as string) > (bk as string)) return sign;
  }
  return aid < bid ? -1 : aid > bid ? 1 : 0;
}

function encodeCursor(sort: string, dir: string, position: Position): string {
  return Buffer.from(JSON.stringify([sort, dir, ...position])).toString('base64url');
}

function decodeCursor(cursor: string, sort: string, dir: string): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad('cursor', 'not a cursor this service gave out');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 4 ||
    typeof parsed[3] !== 'string' ||
    !(parsed[2] === null || typeof parsed[2] === 'string' || typeof parsed[2] === 'number')
  )
    throw bad('cursor', 'not a cursor this service gave out');
  if (parsed[0] !== sort || parsed[1] !== dir)
    throw bad('cursor', `the cursor belongs to sort=${String(parsed[0])}&dir=${String(parsed[1])}; start again without it`);
  return [parsed[2] as string | number | null, parsed[3]];
}

/** The compiled parts of a query that do not depend on the hosts. */
export interface Matcher {
  state: HostQuery['state'];
  terms: SearchTerm[];
  filter: Expr | undefined;
}

export function matcherOf(query: Pick<HostQuery, 'state' | 'q' | 'where'>): Matcher {
  return { state: query.state, terms: searchTerms(query.q), filter: query.where ? compileFilter(query.where) : undefined };
}

function matchesAllButState(m: Matcher, h: Readonly<Host>): boolean {
  return matchesSearch(m.terms, h) && (!m.filter || matchesFilter(m.filter, h));
}

export function runHostQuery(all: readonly Readonly<Host>[], query: HostQuery): HostPage {
  const m = matcherOf(query);
  const counts = Object.fromEntries([...STATES, 'all'].map((s) => [s, 0])) as HostPage['counts'];
  const get = SORT_KEYS[query.sort]!;
  const rows: Entry[] = [];
  for (const host of all) {
    if (!matchesAllButState(m, host)) continue;
    counts[host.state]++;
    counts.all++;
    if (!m.state || host.state === m.state) rows.push({ host, key: get(host) });
  }
  const sign = query.dir === 'desc' ? -1 : 1;
  const cmp = (a: Entry, b: Entry) => compare(a.key, a.host.id, b.key, b.host.id, sign);
  const position = query.cursor ? decodeCursor(query.cursor, query.sort, query.dir) : undefined;
  const after = position ? rows.filter((r) => compare(r.key, r.host.id, position[0], position[1], sign) > 0) : rows;
  const page = query.limit === undefined ? after.sort(cmp) : smallest(after, query.limit, cmp);
  const last = page.at(-1);
  return {
    hosts: page.map((r) => r.host),
    total: rows.length,
    offset: rows.length - after.length,
    next_cursor: after.length > page.length && last ? encodeCursor(query.sort, query.dir, [last.key ?? null, last.host.id]) : null,
    counts,
  };
}

/** The k smallest rows, in order, without sorting them all: one comparison for most rows of a large
 *  list (a page of 100 out of 10,000), a binary insertion for the few that make the cut. */
function smallest(rows: Entry[], k: number, cmp: (a: Entry, b: Entry) => number): Entry[] {
  const top: Entry[] = [];
  if (k <= 0) return top;
  for (const r of rows) {
    if (top.length === k && cmp(r, top[k - 1]!) >= 0) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(top[mid]!, r) <= 0) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, r);
    if (top.length > k) top.pop();
  }
  return top;
}

/** The ids of every host the query matches (all pages), in its order, up to `cap`: what "select all
 *  N matching" acts on, evaluated again at the moment of the action. */
export function matchingIds(all: readonly Readonly<Host>[], query: HostQuery, cap: number): { ids: string[]; total: number } {
  const { hosts, total } = runHostQuery(all, { ...query, limit: undefined, cursor: undefined });
  return { ids: hosts.slice(0, cap).map((h) => h.id), total };
}
