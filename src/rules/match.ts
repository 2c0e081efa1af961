// Which rule wins for a machine, and why each earlier one did not: the first enabled rule, by
// priority, whose expression matches the facts and whose host limit is not reached. Pure functions,
// so the same code answers "preview" and "do it".
import type { Host } from '../hosts/host.js';
import { AppError, messageOf } from '../errors.js';
import { evaluate } from './evaluate.js';
import { compileExpression, ExpressionError, type Expr } from './expression.js';
import { RULE_TYPES, type RuleSubject } from './subject.js';
import { HostnamePattern } from './hostname-pattern.js';
import type { Rule } from './rule.js';

export interface CompiledRule {
  rule: Rule;
  expr: Expr;
  pattern: HostnamePattern | undefined;
}

export type Outcome = 'matched' | 'disabled' | 'no-match' | 'limit-reached';

export interface Verdict {
  rule: string;
  outcome: Outcome;
  reason: string;
}

export function compileRule(rule: Rule): CompiledRule {
  let expr: Expr;
  try {
    expr = compileExpression(rule.expression, RULE_TYPES);
  } catch (err) {
    const e = err as ExpressionError;
    throw new AppError('INVALID_EXPRESSION', `expression ${e.message}`, 'expression', { line: e.line, column: e.column });
  }
  let pattern: HostnamePattern | undefined;
  if (rule.hostname_pattern) {
    try {
      pattern = HostnamePattern.compile(rule.hostname_pattern);
    } catch (err) {
      throw new AppError('INVALID_PATTERN', messageOf(err), 'hostname_pattern');
    }
  }
  return { rule, expr, pattern };
}

const cache = new WeakMap<Rule, CompiledRule>();

/** Saved rules compile once per version (the Rule object is replaced on every save). */
export function compiled(rule: Rule): CompiledRule {
  let c = cache.get(rule);
  if (!c) cache.set(rule, (c = compileRule(rule)));
  return c;
}

/** How many hosts each rule has assigned so far (what its limit counts). */
export function countByRule(hosts: readonly Host[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const h of hosts) if (h.assignment?.rule) counts.set(h.assignment.rule, (counts.get(h.assignment.rule) ?? 0) + 1);
  return counts;
}

/** `subject`: the facts and the host's tags (subject.ts ruleSubject). */
export function explain(
  rules: CompiledRule[],
  facts: RuleSubject,
  counts: Map<string, number>,
): { winner?: CompiledRule; verdicts: Verdict[] } {
  const verdicts: Verdict[] = [];
  for (const c of rules) {
    const { name, enabled, limit, priority } = c.rule;
    if (!enabled) {
      verdicts.push({ rule: name, outcome: 'disabled', reason: 'rule is disabled' });
      continue;
    }
    if (!evaluate(c.expr, facts)) {
      verdicts.push({ rule: name, outcome: 'no-match', reason: `facts do not match: ${c.rule.expression}` });
      continue;
    }
    const used = counts.get(name) ?? 0;
    if (limit > 0 && used >= limit) {
      verdicts.push({ rule: name, outcome: 'limit-reached', reason: `limit reached (${used} of ${limit} hosts)` });
      continue;
    }
    verdicts.push({ rule: name, outcome: 'matched', reason: `matched (priority ${priority}): ${c.rule.expression}` });
    return { winner: c, verdicts };
  }
  return { verdicts };
}
