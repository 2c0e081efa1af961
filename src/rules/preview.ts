// Explain before acting: which waiting hosts a rule (saved or not) would match now and the hostname
// each would get — exactly what applying the rules now would give (plan.ts: same order, same
// winners, same numbers); and, for one host, which rule would win and why each earlier rule did not.
// Nothing is stored and no sequence number is consumed.
import { ruleSubject } from './subject.js';
import { AppError, errors } from '../errors.js';
import type { ResolveDeps } from '../hosts/assign.js';
import { compiled, countByRule, explain, type CompiledRule, type Verdict } from './match.js';
import { readRule } from './manage.js';
import { assignmentOrder, byPriority, decide, rulePass } from './plan.js';
import type { Rule } from './rule.js';

export interface PreviewResult {
  rule: string;
  matches: { host: string; boot_mac: string; hostname: string | null; within_limit: boolean; problem?: string }[];
  explain?: { host: string; winner: string | null; verdicts: Verdict[] };
}

/** `baseUrl`: the assignment's dry run renders the profile's kickstart, as assignment does. */
export async function previewRule(deps: ResolveDeps, body: unknown, baseUrl: string): Promise<PreviewResult> {
  const { ruleBody, hostId } = readPreview(body);
  const saved = (await deps.store.rules.list()).map(compiled);
  let candidate: CompiledRule;
  if (typeof ruleBody === 'string') {
    const found = saved.find((c) => c.rule.name === ruleBody);
    if (!found) throw errors.ruleNotFound(ruleBody, 'rule');
    candidate = found;
  } else {
    const { compiled: c } = await readRule(deps, ruleBody);
    const existing = saved.find((s) => s.rule.name === c.rule.name);
    candidate = { ...c, rule: { ...c.rule, sequence: existing?.rule.sequence ?? 0 } };
  }

  // The pass assignment would make now (plan.ts), with the candidate in place of its saved version:
  // the same order, the same winners, the same numbers. Nothing is saved.
  const hosts = await deps.store.hosts.list();
  const counts = countByRule(hosts);
  const rules = [...saved.filter((c) => c.rule.name !== candidate.rule.name), { ...candidate, rule: { ...candidate.rule, enabled: true } }];
  const pass = rulePass(rules, new Map(counts));
  const alone = { ...candidate, rule: { ...candidate.rule, enabled: true, limit: 0 } };
  const matches: PreviewResult['matches'] = [];
  for (const host of assignmentOrder(hosts.filter((h) => h.state === 'discovered'))) {
    const facts = await deps.store.hosts.getFacts(host.id);
    if (!facts) continue;
    const decision = await decide(deps, pass, host, facts, baseUrl);
    if (!explain([alone], ruleSubject(host, facts), counts).winner) continue;
    const mine = decision.outcome !== 'no-rule' && decision.rule.name === candidate.rule.name;
    const hostname = mine && decision.outcome === 'assigned' ? decision.hostname : null;
    const within = !decision.verdicts.some((v) => v.rule === candidate.rule.name && v.outcome === 'limit-reached');
    const problem = mine
      ? decision.outcome === 'failed'
        ? decision.reason
        : undefined
      : within && decision.outcome !== 'no-rule'
        ? `rule ${decision.rule.name} comes first (priority ${decision.rule.priority}) and takes this host`
        : undefined;
    matches.push({ host: host.id, boot_mac: host.boot_mac, hostname, within_limit: within, ...(problem ? { problem } : {}) });
  }

  const result: PreviewResult = { rule: candidate.rule.name, matches };
  if (hostId) {
    const host = await deps.store.hosts.get(hostId);
    const facts = host ? await deps.store.hosts.getFacts(hostId) : undefined;
    if (!host || !facts) throw errors.hostNotFound(hostId, 'host');
    const rules = [...saved.filter((c) => c.rule.name !== candidate.rule.name), candidate].sort(byPriority);
    const { winner, verdicts } = explain(rules, ruleSubject(host, facts), counts);
    result.explain = { host: hostId, winner: winner?.rule.name ?? null, verdicts };
  }
  return result;
}

function readPreview(body: unknown): { ruleBody: string | Rule | object; hostId?: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new AppError('VALIDATION', 'body must be an object with "rule"', 'body');
  const { rule, host, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown) throw new AppError('VALIDATION', `${unknown} is not a known field`, unknown);
  if (typeof rule !== 'string' && (rule === null || typeof rule !== 'object'))
    throw new AppError('VALIDATION', 'rule is required: a saved rule name or a rule object', 'rule');
  if (host !== undefined && typeof host !== 'string') throw new AppError('VALIDATION', 'host must be a host id', 'host');
  return { ruleBody: rule, ...(host ? { hostId: host } : {}) };
}
