// Rules assign waiting hosts: on discovery (when auto-provisioning is on) and on demand, for one host
// or all waiting ones. The whole batch runs under the hosts lock, so two discoveries at the same
// moment can never push a rule past its limit or hand one hostname to two hosts. A rule whose
// hostname pattern or profile fails for a host leaves that host waiting, with the reason on its
// timeline; the next rule is not tried (the admin should see and fix the rule, not get a surprise).
import { patternHost } from '../kickstart/render/index.js';
import type { CallerWith } from '../caller.js';
import type { Deps } from '../deps.js';
import { hostChanged } from '../events/host-changed.js';
import { errors, messageOf } from '../errors.js';
import { addEvent, type Host } from '../hosts/host.js';
import { assertHostnameFree, resolveAssignment, withAssignment, type AssignDeps } from '../hosts/assign.js';
import { compiled, countByRule, explain, type Verdict } from './match.js';
import type { Rule } from './rule.js';
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
    const rules = (await deps.store.rules.list()).map(compiled);
    const counts = countByRule(all);
    const targets = which === 'waiting' ? all.filter((h) => h.state === 'discovered') : await hostsById(deps, which);
    const results: AutoAssignResult[] = [];
    const durables: Promise<void>[] = [];
    const sequences = new Map<string, Rule>();

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
      const { winner, verdicts } = explain(rules, facts, counts);
      if (!winner) {
        results.push({ host: host.id, outcome: 'no-rule', reason: rules.length ? 'no rule matched' : 'there are no rules', verdicts });
        continue;
      }
      const rule = sequences.get(winner.rule.name) ?? winner.rule;
      let next = rule.sequence;
      try {
        const hostname = winner.pattern
          ? winner.pattern.render(
              {
                host: patternHost(host),
                facts,
              },
              { seq: (width) => String((next = rule.sequence + 1)).padStart(width, '0') },
            )
          : (host.hostname ?? `host-${host.boot_mac.replace(/:/g, '')}`);
        await assertHostnameFree(deps, hostname, host.id);
        const assignment = {
          ...(await resolveAssignment(deps, { ...host, hostname }, facts, { profile: rule.profile }, baseUrl)),
          rule: rule.name,
        };
        const assigned = withAssignment(host, assignment, hostname, `rule ${rule.name}`, verdicts.at(-1)?.reason, host.last_seen_ip);
        const durable = deps.store.hosts.save(assigned);
        durables.push(durable);
        if (next !== rule.sequence) sequences.set(rule.name, { ...rule, sequence: next });
        counts.set(rule.name, (counts.get(rule.name) ?? 0) + 1);
        hostChanged(deps, host, assigned, { rule: rule.name, actor }, durable);
        results.push({ host: host.id, outcome: 'assigned', rule: rule.name, hostname, reason: verdicts.at(-1)!.reason, verdicts });
      } catch (err) {
        const reason = `rule ${rule.name} matched but could not assign: ${messageOf(err)}`;
        const failed: Host = { ...host, events: [...host.events] };
        addEvent(failed, { type: 'auto-assign-failed', actor: `rule ${rule.name}`, message: reason });
        durables.push(deps.store.hosts.save(failed));
        results.push({ host: host.id, outcome: 'failed', rule: rule.name, reason, verdicts });
      }
    }
    for (const rule of sequences.values()) durables.push(deps.store.rules.save(rule));
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
