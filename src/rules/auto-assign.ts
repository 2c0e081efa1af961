// Rules assign waiting hosts: on discovery (when auto-provisioning is on) and on demand, for one host
// or all waiting ones. The whole batch runs under the hosts lock, so two discoveries at the same
// moment can never push a rule past its limit or hand one hostname to two hosts. A rule whose
// hostname pattern or profile fails for a host leaves that host waiting, with the reason on its
// timeline; the next rule is not tried (the admin should see and fix the rule, not get a surprise).
import type { CallerWith } from '../caller.js';
import type { Deps } from '../deps.js';
import { hostChanged } from '../events/host-changed.js';
import { errors } from '../errors.js';
import { addEvent, type Host } from '../hosts/host.js';
import { withAssignment, type AssignDeps } from '../hosts/assign.js';
import { compiled, countByRule, type Verdict } from './match.js';
import { assignmentOrder, decide, rulePass } from './plan.js';
import { audit } from '../audit/audit.js';

export interface AutoAssignResult {
  host: string;
  outcome: 'assigned' | 'no-rule' | 'failed' | 'skipped';
  rule?: string;
  hostname?: string;
  reason: string;
  verdicts: Verdict[];
}

/** `caller` is whoever ran the rules; each assignment is the rule's, from the machine's last-seen address. */
export async function autoAssign(
  deps: AssignDeps,
  which: string[] | 'waiting',
  { actor, baseUrl }: CallerWith<'baseUrl'>,
): Promise<AutoAssignResult[]> {
  const { results, durables } = await deps.hostsLock.run(async () => {
    const all = await deps.store.hosts.list();
    const pass = rulePass((await deps.store.rules.list()).map(compiled), countByRule(all));
    // The order the preview shows (plan.ts): the numbers a preview promised are the ones given.
    const targets = assignmentOrder(which === 'waiting' ? all.filter((h) => h.state === 'discovered') : await hostsById(deps, which));
    const results: AutoAssignResult[] = [];
    const durables: Promise<void>[] = [];

    for (const host of targets) {
      if (host.state !== 'discovered') {
        results.push({ host: host.id, outcome: 'skipped', reason: `host is ${host.state}, not waiting`, verdicts: [] });
        continue;
      }
      const facts = await deps.store.hosts.getFacts(host.id);
      if (!facts) {
        results.push({ host: host.id, outcome: 'failed', reason: 'the facts of this host cannot be read', verdicts: [] });
        continue;
      }
      const decision = await decide(deps, pass, host, facts, baseUrl);
      const { verdicts, reason } = decision;
      if (decision.outcome === 'no-rule') {
        results.push({ host: host.id, outcome: 'no-rule', reason, verdicts });
        continue;
      }
      const { rule } = decision;
      if (decision.outcome === 'failed') {
        const failed: Host = { ...host, events: [...host.events] };
        addEvent(failed, { type: 'auto-assign-failed', actor: `rule ${rule.name}`, message: reason });
        durables.push(deps.store.hosts.save(failed));
        results.push({ host: host.id, outcome: 'failed', rule: rule.name, reason, verdicts });
        continue;
      }
      const { hostname, assignment } = decision;
      const assigned = withAssignment(host, assignment, hostname, `rule ${rule.name}`, verdicts.at(-1)?.reason, host.last_seen_ip);
      const durable = deps.store.hosts.save(assigned);
      durables.push(durable);
      hostChanged(deps, host, assigned, { rule: rule.name, actor }, durable);
      results.push({ host: host.id, outcome: 'assigned', rule: rule.name, hostname, reason, verdicts });
    }
    for (const rule of pass.sequences.values()) durables.push(deps.store.rules.save(rule));
    return { results, durables };
  });
  await Promise.all(durables);
  for (const r of results)
    if (r.outcome === 'assigned') await audit(deps, `rule ${r.rule}`, 'host.assign', r.host, `${r.hostname} (run by ${actor})`);
  return results;
}

async function hostsById(deps: Pick<Deps, 'store'>, ids: string[]): Promise<Host[]> {
  const hosts: Host[] = [];
  for (const id of ids) {
    const h = await deps.store.hosts.get(id);
    if (!h) throw errors.hostNotFound(id);
    hosts.push(h);
  }
  return hosts;
}
