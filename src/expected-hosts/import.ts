// Importing a list of expected hosts (docs/inventory.md#expected-hosts-importing-and-exporting-a-packing-list): read the CSV or JSON, check every row,
// find the record each one describes (plan.ts), and either show what would change (dry run) or save
// the creates and updates in one write with one audit entry. A single bad row imports nothing and the
// answer names the problems (the first MAX_PROBLEMS, the rest counted) by line and column, or index and field. Importing
// the same list again changes nothing and writes nothing.
import type { CallerWith } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import { bmcAddressRefusal } from '../bmc/address.js';
import { newHostId } from '../hosts/tokens.js';
import { Mutex } from '../util/mutex.js';
import { MATCH_KEYS, type ExpectedHost, type ExpectedMatch } from './expected-host.js';
import { duplicatesInList, targets, type PlannedRow, type PlanTarget } from './plan.js';
import { locate, MAX_PROBLEMS, ProblemList, readList, type ListFormat, type ListProblem } from './read-list.js';
import { keepSecrets, MAX_PASSWORDS, protectSecrets } from './secrets.js';
import { sameValue } from './same-value.js';
import { validateInput, type ExpectedHostDraft, type ValidateContext } from './validate.js';

export { MAX_PROBLEMS };

export type ImportDeps = AuditDeps & Pick<Deps, 'secrets'> & { config: Pick<Deps['config'], 'bmcNetworks'> };

export interface ImportOptions {
  format: ListFormat;
  dryRun: boolean;
  /** An admin: BMC addresses outside KICKSTAND_BMC_NETWORKS too (bmc/address.ts). */
  anyAddress: boolean;
}

/** One row of the plan: where it is, the record, and for an update the fields that change. */
export interface PlanEntry {
  line?: number;
  index?: number;
  id: string;
  match: ExpectedMatch;
  hostname?: string;
  changes?: string[];
}

export interface ImportPlan {
  dry_run: boolean;
  created: PlanEntry[];
  updated: PlanEntry[];
  unchanged: PlanEntry[];
}

const FIELDS = ['match', 'hostname', 'profile', 'params', 'tags', 'bmc', 'provision'] as const;

// One import at a time per store: two at once could both create the record a machine is in.
const locks = new WeakMap<object, Mutex>();

export async function importExpectedHosts(
  deps: ImportDeps,
  text: string,
  opts: ImportOptions,
  { actor }: CallerWith<'ip'>,
): Promise<ImportPlan> {
  let lock = locks.get(deps.store);
  if (!lock) locks.set(deps.store, (lock = new Mutex()));
  return lock.run(() => importNow(deps, text, opts, actor));
}

async function importNow(deps: ImportDeps, text: string, opts: ImportOptions, actor: string): Promise<ImportPlan> {
  const read = readList(text, opts.format);
  if (read.problems.length) {
    const found = new ProblemList();
    found.push(...read.problems);
    found.more += read.more ?? 0;
    throw invalid(found);
  }
  const ctx: ValidateContext = {
    profiles: new Set((await deps.store.profiles.list()).map((p) => p.name)),
    credentialSets: new Set((await deps.store.bmcCredentials.list()).map((c) => c.name)),
  };
  const problems = new ProblemList();
  const planned: PlannedRow[] = [];
  for (const row of read.rows) {
    const { draft, problems: found, more } = validateInput(row.input, ctx, row.paramCells);
    for (const p of found) problems.push(locate(row, p.path, p.message));
    problems.more += more ?? 0;
    if (draft) planned.push({ row, draft });
  }
  problems.push(...duplicatesInList(planned));
  const records = await deps.store.expectedHosts.list();
  const { targets: rows, problems: targetProblems } = targets(planned, records);
  problems.push(...targetProblems);

  const plan: ImportPlan = { dry_run: opts.dryRun, created: [], updated: [], unchanged: [] };
  const save: ExpectedHost[] = [];
  const now = new Date().toISOString();
  const passwords = new Set<string>();
  for (const target of rows) {
    const kept = keepSecrets(target.draft.params, target.existing?.params);
    for (const p of kept.problems) problems.push(locate(target.row, p.path, p.message));
    for (const [name, value] of kept.plaintexts) {
      if (passwords.has(value)) continue;
      passwords.add(value);
      if (passwords.size === MAX_PASSWORDS + 1)
        problems.push(
          locate(
            target.row,
            `params.${name}`,
            `more than ${MAX_PASSWORDS} different passwords in one list (each is hashed): split the list, or give crypt hashes`,
          ),
        );
    }
    const given: ExpectedHostDraft = { ...target.draft, ...(kept.params ? { params: kept.params } : {}) };
    const draft = target.existing ? withUnsaid(target.existing, given, target.row.given) : given;
    if (draft.provision && !draft.profile)
      problems.push(locate(target.row, 'provision', 'needs a profile: provisioning at once assigns it'));
    const bmcRefusal = bmcChangeRefusal(deps, opts, draft, target.existing);
    if (bmcRefusal) problems.push(locate(target.row, 'bmc.address', bmcRefusal));
    const entry = entryOf(target, draft);
    if (!target.existing) {
      const record: ExpectedHost = { id: `eh-${newHostId()}`, ...draft, created_at: now, updated_at: now };
      // A dry run saves nothing, so it promises no id: the import gives a new one.
      plan.created.push({ ...entry, id: opts.dryRun ? '' : record.id });
      save.push(record);
      continue;
    }
    const changes = changedFields(target.existing, draft, kept.fresh);
    if (!changes.length) {
      plan.unchanged.push(entry);
      continue;
    }
    plan.updated.push({ ...entry, changes });
    // The claim (claimed_by, claimed_at), the id and the creation time stay: only what a list sets changes.
    const { match: _m, hostname: _h, profile: _p, params: _pa, tags: _t, bmc: _b, provision: _pr, ...identity } = target.existing;
    save.push({ ...identity, ...draft, updated_at: now });
  }
  if (problems.length) throw invalid(problems);
  if (opts.dryRun || !save.length) return plan;

  // Only now, and only for a real import: a dry run hashes and seals nothing.
  const hashes = new Map<string, string>();
  for (const record of save) if (record.params) record.params = await protectSecrets(deps.secrets, record.params, hashes);
  await deps.store.expectedHosts.saveMany(save);
  await audit(
    deps,
    actor,
    'expected-hosts.import',
    'expected-hosts',
    `${opts.format}: ${plan.created.length} created, ${plan.updated.length} updated, ${plan.unchanged.length} unchanged`,
  );
  return plan;
}

/** Credentials go where a BMC points: outside KICKSTAND_BMC_NETWORKS only an admin may point one
 *  (bmc/address.ts). A BMC the record already has, as it is, stays whoever imports the list again. */
function bmcChangeRefusal(
  deps: ImportDeps,
  opts: ImportOptions,
  draft: ExpectedHostDraft,
  existing?: Readonly<ExpectedHost>,
): string | undefined {
  const bmc = draft.bmc;
  if (!bmc || opts.anyAddress || sameValue(bmc, existing?.bmc)) return undefined;
  return bmcAddressRefusal(bmc.address, deps.config.bmcNetworks, false)?.message;
}

/** An update: what the row leaves out (a column its list does not have, a key its object does not
 *  have) keeps the stored value; what it gives, even empty, is the new one. A vendor's list of MACs and
 *  serials does not wipe the hostnames and tags an admin set. */
function withUnsaid(record: Readonly<ExpectedHost>, draft: ExpectedHostDraft, given: ReadonlySet<string>): ExpectedHostDraft {
  const match: ExpectedMatch = { ...draft.match };
  for (const key of MATCH_KEYS) if (!given.has(`match.${key}`) && record.match[key] !== undefined) match[key] = record.match[key];
  const out: ExpectedHostDraft = { ...draft, match };
  if (!given.has('hostname') && record.hostname !== undefined) out.hostname = record.hostname;
  if (!given.has('profile') && record.profile !== undefined) out.profile = record.profile;
  if (!given.has('params') && record.params !== undefined) out.params = record.params;
  if (!given.has('tags') && record.tags !== undefined) out.tags = record.tags;
  if (!given.has('bmc') && record.bmc !== undefined) out.bmc = record.bmc;
  if (!given.has('provision')) out.provision = record.provision;
  return out;
}

function entryOf(target: PlanTarget, draft: ExpectedHostDraft): PlanEntry {
  return {
    ...(target.row.line !== undefined ? { line: target.row.line } : { index: target.row.index ?? 0 }),
    id: target.existing?.id ?? '',
    match: draft.match,
    ...(draft.hostname ? { hostname: draft.hostname } : {}),
  };
}

/** The fields a row changes on its record: `hostname`, `match.serial`, `params.x`, `tags`. A secret
 *  param given a value (`fresh`, anything but "***") is a change, never compared (secrets.ts). */
function changedFields(record: Readonly<ExpectedHost>, draft: ExpectedHostDraft, fresh: readonly string[]): string[] {
  const changes: string[] = [];
  for (const field of FIELDS) {
    const was = record[field];
    const now = draft[field];
    if (sameValue(was ?? (field === 'provision' ? false : undefined), now)) continue;
    if ((field === 'match' || field === 'params') && isPlain(was) && isPlain(now)) {
      for (const key of new Set([...Object.keys(was), ...Object.keys(now)]))
        if (!sameValue(was[key], now[key])) changes.push(`${field}.${key}`);
    } else changes.push(field);
  }
  for (const name of fresh) if (!changes.includes('params') && !changes.includes(`params.${name}`)) changes.push(`params.${name}`);
  return changes;
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(problems: ProblemList): AppError {
  // The kept ones in file order, whichever check found them (sort is stable: a row's own order stays).
  const place = (p: ListProblem) => p.line ?? p.index ?? -1;
  const shown = [...problems.kept].sort((a, b) => place(a) - place(b));
  const total = problems.length;
  const message = `the list has ${total} problem${total === 1 ? '' : 's'}, nothing was imported: ${shown[0]!.message}${total > 1 ? ' …' : ''}${problems.more > 0 ? ` (${shown.length} are listed, and ${problems.more} more)` : ''}`;
  return new AppError('IMPORT_INVALID', message, 'body', { errors: shown, ...(problems.more ? { more: problems.more } : {}) });
}
