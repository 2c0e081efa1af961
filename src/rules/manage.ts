// Create, replace and delete rules. A rule is compiled when saved: its expression is parsed and
// type-checked against the facts schema, its hostname pattern checked against the operator allow-list,
// and its profile must exist. A bad rule is refused naming the field (and line/column); nothing stored
// changes.
import type { Deps } from '../deps.js';
import { errors } from '../errors.js';
import { validators } from '../schemas/validate.js';
import { compileRule, type CompiledRule } from './match.js';
import type { Rule } from './rule.js';
import { audit, type AuditDeps } from '../audit/audit.js';

export const RULE_DEFAULTS = { priority: 100, limit: 0, enabled: true } as const;

export type RuleInput = Omit<Rule, 'sequence' | 'created_at' | 'updated_at'>;

/** Validate and compile a rule body (saved or only previewed). */
export async function readRule(deps: Pick<Deps, 'store'>, body: unknown): Promise<{ input: RuleInput; compiled: CompiledRule }> {
  const raw = validators.rule(body);
  const input: RuleInput = { ...RULE_DEFAULTS, hostname_pattern: '', ...raw };
  if (!(await deps.store.profiles.get(input.profile))) throw errors.unknownProfile(input.profile);
  const now = new Date(0).toISOString();
  return { input, compiled: compileRule({ ...input, sequence: 0, created_at: now, updated_at: now }) };
}

export async function saveRule(
  deps: AuditDeps & Pick<Deps, 'hostsLock'>,
  body: unknown,
  mode: 'create' | 'replace',
  actor: string,
): Promise<Rule> {
  const { rule, durable } = await deps.hostsLock.run(async () => {
    // Read under the lock: the profile it names is looked up in what every instance has committed (one
    // made a moment ago through another instance is there), and nobody deletes it before the rule is saved.
    const { input } = await readRule(deps, body);
    const existing = await deps.store.rules.get(input.name);
    if (mode === 'create' && existing) throw errors.nameTaken('rule', input.name);
    if (mode === 'replace' && !existing) throw errors.ruleNotFound(input.name);
    const now = new Date().toISOString();
    // The sequence survives edits: renumbering hosts because someone fixed a typo would reuse names.
    const rule: Rule = { ...input, sequence: existing?.sequence ?? 0, created_at: existing?.created_at ?? now, updated_at: now };
    return { rule, durable: deps.store.rules.save(rule) };
  });
  await durable;
  await audit(deps, actor, mode === 'create' ? 'rule.create' : 'rule.replace', rule.name, rule.expression);
  return rule;
}

export async function deleteRule(deps: AuditDeps & Pick<Deps, 'hostsLock'>, name: string, actor: string): Promise<void> {
  const deleted = await deps.hostsLock.run(() => deps.store.rules.delete(name));
  if (!deleted) throw errors.ruleNotFound(name);
  await audit(deps, actor, 'rule.delete', name);
}
