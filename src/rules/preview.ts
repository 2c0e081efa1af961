// Explain before acting: which waiting hosts a rule (saved or not) would match now and the hostname
// each would get; and, for one host, which rule would win and why each earlier rule did not.
// Nothing is stored and no sequence number is consumed.
import { patternHost } from '../kickstart/render/index.js';
import type { Deps } from '../deps.js';
import { AppError, errors, messageOf } from '../errors.js';
import { compiled, countByRule, explain, type CompiledRule, type Verdict } from './match.js';
import { readRule } from './manage.js';
import type { Rule } from './rule.js';

export interface PreviewResult {
  rule: string;
  matches: { host: string; boot_mac: string; hostname: string | null; within_limit: boolean; problem?: string }[];
  explain?: { host: string; winner: string | null; verdicts: Verdict[] };
}

export async function previewRule(deps: Pick<Deps, 'store'>, body: unknown): Promise<PreviewResult> {
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

  const hosts = await deps.store.hosts.list();
  const counts = countByRule(hosts);
  const used = counts.get(candidate.rule.name) ?? 0;
  let sequence = candidate.rule.sequence;
  const matches: PreviewResult['matches'] = [];
  for (const host of hosts.filter((h) => h.state === 'discovered')) {
    const facts = await deps.store.hosts.getFacts(host.id);
    if (!facts || !explain([{ ...candidate, rule: { ...candidate.rule, enabled: true, limit: 0 } }], facts, counts).winner) continue;
    const within = candidate.rule.limit === 0 || used + matches.length < candidate.rule.limit;
    let hostname: string | null = host.hostname ?? `host-${host.boot_mac.replace(/:/g, '')}`;
    let problem: string | undefined;
    if (candidate.pattern) {
      try {
        hostname = candidate.pattern.render(
          {
            host: patternHost(host),
            facts,
          },
          { seq: (w) => String(sequence + 1).padStart(w, '0') },
        );
        if (candidate.pattern.usesSeq) sequence++;
      } catch (err) {
        hostname = null;
        problem = messageOf(err);
      }
    }
    matches.push({ host: host.id, boot_mac: host.boot_mac, hostname, within_limit: within, ...(problem ? { problem } : {}) });
  }

  const result: PreviewResult = { rule: candidate.rule.name, matches };
  if (hostId) {
    const host = await deps.store.hosts.get(hostId);
    const facts = host ? await deps.store.hosts.getFacts(hostId) : undefined;
    if (!host || !facts) throw errors.hostNotFound(hostId, 'host');
    const rules = [...saved.filter((c) => c.rule.name !== candidate.rule.name), candidate].sort(byPriority);
    const { winner, verdicts } = explain(rules, facts, counts);
    result.explain = { host: hostId, winner: winner?.rule.name ?? null, verdicts };
  }
  return result;
}

function byPriority(a: CompiledRule, b: CompiledRule): number {
  return a.rule.priority - b.rule.priority || a.rule.name.localeCompare(b.rule.name);
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
