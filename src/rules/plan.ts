// What the rules do with waiting hosts, decided one host at a time, the same way for the preview and
// for assignment (issue 17: the preview promised db-008 and the host got db-136). The preview used to
// give each matching host the next number on its own: hosts another rule takes first, hosts past the
// limit and hosts whose assignment fails took numbers that assignment never used, and the hosts came
// in whatever order the store listed them. Now both walk the hosts in one order (assignmentOrder) and
// ask decide() for each: the winning rule (its priority and limit), the hostname from its pattern and
// sequence, the hostname checked free, the assignment checked and rendered. Only a host that would
// really be assigned takes a number. docs/rules.md#preview.
import type { Deps } from '../deps.js';
import type { Facts } from '../discovery/facts.js';
import { ruleSubject } from './subject.js';
import { AppError, messageOf } from '../errors.js';
import type { Assignment, Host } from '../hosts/host.js';
import { assertHostnameFree, defaultHostname, resolveAssignment, type ResolveDeps } from '../hosts/assign.js';
import { patternHost } from '../kickstart/render/index.js';
import { compiled, countByRule, explain, type CompiledRule, type Verdict } from './match.js';
import type { Rule } from './rule.js';

/** First seen first (the order machines were discovered in), then by id: stable whatever order a
 *  store lists hosts in, and the order a rack booted in is the order its numbers go up in. */
export function assignmentOrder<T extends Pick<Host, 'created_at' | 'id'>>(hosts: readonly T[]): T[] {
  return [...hosts].sort((a, b) =>
    a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
}

/** One pass of the rules over hosts: what earlier hosts of the pass took (numbers, limits, names). */
export interface RulePass {
  rules: CompiledRule[];
  /** Hosts assigned per rule, what limits count (countByRule, then each assignment of the pass). */
  counts: Map<string, number>;
  /** Each rule as its sequence stands after the hosts decided so far. */
  sequences: Map<string, Rule>;
  /** Hostnames given in this pass (the store knows only the ones already saved). */
  taken: Map<string, string>;
}

/** `rules` are tried by priority, then name; `counts` is updated as hosts are assigned. */
export function rulePass(rules: CompiledRule[], counts: Map<string, number>): RulePass {
  return { rules: [...rules].sort(byPriority), counts, sequences: new Map(), taken: new Map() };
}

export function byPriority(a: CompiledRule, b: CompiledRule): number {
  return a.rule.priority - b.rule.priority || a.rule.name.localeCompare(b.rule.name);
}

export type Decision =
  | { outcome: 'no-rule'; reason: string; verdicts: Verdict[] }
  | { outcome: 'failed'; rule: Rule; reason: string; verdicts: Verdict[] }
  | { outcome: 'assigned'; rule: Rule; hostname: string; assignment: Assignment; reason: string; verdicts: Verdict[] };

/** Decide for one waiting host, and count what an assignment takes as taken in `pass`. */
export async function decide(
  deps: ResolveDeps & Pick<Deps, 'store'>,
  pass: RulePass,
  host: Host,
  facts: Facts,
  baseUrl: string,
): Promise<Decision> {
  const { winner, verdicts } = explain(pass.rules, ruleSubject(host, facts), pass.counts);
  if (!winner) return { outcome: 'no-rule', reason: pass.rules.length ? 'no rule matched' : 'there are no rules', verdicts };
  const rule = pass.sequences.get(winner.rule.name) ?? winner.rule;
  let next = rule.sequence;
  try {
    const hostname = winner.pattern
      ? winner.pattern.render(
          { host: patternHost(host), facts },
          { seq: (width) => String((next = rule.sequence + 1)).padStart(width, '0') },
        )
      : (host.hostname ?? defaultHostname(host));
    const holder = pass.taken.get(hostname);
    if (holder && holder !== host.id)
      throw new AppError('HOSTNAME_TAKEN', `hostname "${hostname}" is already used by host ${holder}`, 'hostname');
    await assertHostnameFree(deps, hostname, host.id);
    const assignment = {
      ...(await resolveAssignment(deps, { ...host, hostname }, facts, { profile: rule.profile }, baseUrl)),
      rule: rule.name,
    };
    if (next !== rule.sequence) pass.sequences.set(rule.name, { ...rule, sequence: next });
    pass.counts.set(rule.name, (pass.counts.get(rule.name) ?? 0) + 1);
    pass.taken.set(hostname, host.id);
    return { outcome: 'assigned', rule, hostname, assignment, reason: verdicts.at(-1)!.reason, verdicts };
  } catch (err) {
    // A number whose hostname someone already has is passed over, or every later host would stop on it.
    if (err instanceof AppError && err.code === 'HOSTNAME_TAKEN' && next !== rule.sequence)
      pass.sequences.set(rule.name, { ...rule, sequence: next });
    return { outcome: 'failed', rule, reason: `rule ${rule.name} matched but could not assign: ${messageOf(err)}`, verdicts };
  }
}

/** The hostname assignment would give this waiting host now, taking no number: the pattern of the
 *  rule that would win it with that rule's next number, else what assignment gives without a rule. */
export async function wouldBeHostname(deps: Pick<Deps, 'store'>, host: Host, facts: Facts): Promise<string> {
  const counts = countByRule(await deps.store.hosts.list());
  const { winner } = explain(rulePass((await deps.store.rules.list()).map(compiled), counts).rules, ruleSubject(host, facts), counts);
  if (winner?.pattern) {
    try {
      return winner.pattern.render({ host: patternHost(host), facts }, { seq: (w) => String(winner.rule.sequence + 1).padStart(w, '0') });
    } catch {
      // A pattern that fails for this host would leave it waiting; the preview still renders.
    }
  }
  return host.hostname ?? defaultHostname(host);
}
