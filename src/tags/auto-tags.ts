// Automatic tags: a host carries the tag of every definition whose expression matches its facts
// (`gpu` = count(gpus) > 0). Expressions are compiled against the facts only (FACT_TYPES), never
// against `tags`: a tag cannot depend on a tag, so there is no order and no cycle to resolve.
//
// Evaluated at two moments (docs/inventory.md#when-automatic-tags-change):
//  - at every registration, before the host is saved (discovery/register.ts), so the rules that
//    auto-provision the machine a moment later already see its tags;
//  - when a definition is created, changed or deleted: every host again, in the background
//    (reevaluateInBackground), in batches under the hosts lock so registrations keep flowing between
//    batches. Reading 10,000 hosts' facts is 10,000 reads of the facts journal or of PostgreSQL —
//    seconds, not a request's worth — so the API answers first and says how many hosts are re-read.
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { Facts } from '../discovery/facts.js';
import { addEvent, type Host } from '../hosts/host.js';
import { evaluate } from '../rules/evaluate.js';
import { compileExpression, type ExpressionError, type Expr } from '../rules/expression.js';
import { FACT_TYPES } from '../rules/fact-types.js';
import { describeTagChange } from './host-tags.js';
import type { TagDefinition } from './tag.js';

/** Hosts read and saved per turn of the hosts lock during a re-evaluation. */
export const REEVALUATION_BATCH = 100;

/** Compile a definition's expression over the facts; INVALID_EXPRESSION names its line and column. */
export function compileTagExpression(expression: string): Expr {
  try {
    return compileExpression(expression, FACT_TYPES);
  } catch (err) {
    const e = err as ExpressionError;
    const at = e.line ? { line: e.line, column: e.column } : undefined;
    // `tags` is what rules see, not facts: say so rather than "unknown fact".
    const hint = e.message.includes('unknown fact "tags') ? ' (a tag definition reads facts only: tags cannot depend on tags)' : '';
    throw new AppError('INVALID_EXPRESSION', `expression ${e.message}${hint}`, 'expression', at && { ...at, position: at });
  }
}

const cache = new WeakMap<Readonly<TagDefinition>, Expr>();

/** Saved definitions compile once per version (the stored object is replaced on every save). A saved
 *  expression that no longer compiles (the facts schema lost a field) gives no tag, and no crash. */
function compiled(definition: Readonly<TagDefinition>): Expr | undefined {
  let expr = cache.get(definition);
  if (!expr) {
    try {
      expr = compileTagExpression(definition.expression);
    } catch {
      return undefined;
    }
    cache.set(definition, expr);
  }
  return expr;
}

/** The names of the definitions whose expression matches `facts`, sorted. */
export function autoTagsOf(definitions: readonly Readonly<TagDefinition>[], facts: Readonly<Facts>): string[] {
  const tags: string[] = [];
  for (const d of definitions) {
    const expr = compiled(d);
    if (expr && evaluate(expr, facts)) tags.push(d.name);
  }
  return tags.sort();
}

/** Set `host.auto_tags` from `facts` (in place, before the caller saves it); a change is on its
 *  timeline. Returns whether anything changed. */
export function setAutoTags(host: Host, definitions: readonly Readonly<TagDefinition>[], facts: Readonly<Facts>, ip?: string): boolean {
  const before = host.auto_tags ?? [];
  const after = autoTagsOf(definitions, facts);
  const what = describeTagChange(before, after);
  if (!what) return false;
  if (after.length) host.auto_tags = after;
  else delete host.auto_tags;
  addEvent(host, { type: 'auto-tags-changed', actor: 'kickstand', ...(ip ? { ip } : {}), message: `automatic tags ${what}` });
  return true;
}

/** At registration: the definitions as stored now, applied to the facts just uploaded. */
export async function applyAutoTags(deps: Pick<Deps, 'store'>, host: Host, facts: Readonly<Facts>, ip?: string): Promise<void> {
  setAutoTags(host, await deps.store.tagDefinitions.list(), facts, ip);
}

export interface Reevaluation {
  /** Hosts looked at. */
  hosts: number;
  /** Hosts whose automatic tags changed (and were saved). */
  changed: number;
}

export type ReevaluateDeps = Pick<Deps, 'store' | 'hostsLock' | 'log'>;

/** Every host again, REEVALUATION_BATCH at a time under the hosts lock. The host and its facts are
 *  read inside the lock, so a registration between two batches is never overwritten by older facts;
 *  the definitions are read per batch, so a change made meanwhile is already counted. */
export async function reevaluateAll(deps: ReevaluateDeps): Promise<Reevaluation> {
  const ids = (await deps.store.hosts.list()).map((h) => h.id);
  let changed = 0;
  for (let i = 0; i < ids.length; i += REEVALUATION_BATCH) {
    const batch = ids.slice(i, i + REEVALUATION_BATCH);
    const durables = await deps.hostsLock.run(async () => {
      const definitions = await deps.store.tagDefinitions.list();
      const saves: Promise<void>[] = [];
      for (const id of batch) {
        const current = await deps.store.hosts.get(id);
        const facts = current && (await deps.store.hosts.getFacts(id));
        if (!current || !facts) continue; // deleted meanwhile, or never registered facts
        const next: Host = { ...current, events: [...current.events] };
        if (!setAutoTags(next, definitions, facts)) continue;
        next.updated_at = new Date().toISOString();
        saves.push(deps.store.hosts.save(next));
      }
      return saves;
    });
    await Promise.all(durables);
    changed += durables.length;
  }
  return { hosts: ids.length, changed };
}

interface Runner {
  /** The last run asked for; the next one starts after it. */
  tail: Promise<unknown>;
  /** A run asked for that has not started: it will see every change made until it starts. */
  queued?: Promise<Reevaluation> | undefined;
}
// Keyed by the store: one runner per service (and per test's service), with no singleton to reset.
const runners = new WeakMap<object, Runner>();

/** Start re-evaluating every host and return at once: `hosts` is how many there are now, `done`
 *  resolves when a run that sees this change has finished (one run at a time; requests made while one
 *  waits share it). A failure is logged, never thrown at nobody; `done` then says nothing changed. */
export async function reevaluateInBackground(deps: ReevaluateDeps): Promise<{ hosts: number; done: Promise<Reevaluation> }> {
  const hosts = (await deps.store.hosts.list()).length;
  let r = runners.get(deps.store);
  if (!r) runners.set(deps.store, (r = { tail: Promise.resolve() }));
  const runner = r;
  if (runner.queued) return { hosts, done: runner.queued };
  const run = async (): Promise<Reevaluation> => {
    runner.queued = undefined;
    try {
      const result = await reevaluateAll(deps);
      deps.log.info({ ...result }, 'automatic tags re-evaluated');
      return result;
    } catch (err) {
      deps.log.error({ err }, 'automatic tags: re-evaluation failed; the next definition change or registration retries');
      return { hosts, changed: 0 };
    }
  };
  const done = runner.tail.then(run);
  runner.queued = done;
  runner.tail = done;
  return { hosts, done };
}

/** Resolves once no re-evaluation is running or waiting (tests, shutdown). */
export async function reevaluationSettled(deps: Pick<Deps, 'store'>): Promise<void> {
  const r = runners.get(deps.store);
  if (!r) return;
  for (;;) {
    const tail = r.tail;
    await tail;
    if (tail === r.tail) return;
  }
}
