// What a rule's expression reads: the machine's facts, plus its tags (free and automatic) as `tags`,
// so a rule can say "gpu" in tags. Tags come from the host record, never from the upload: the facts
// schema has no `tags` key, and the host's list replaces anything of that name.
import type { Facts } from '../discovery/facts.js';
import { hostTags } from '../tags/tag.js';
import { FACT_TYPES, type FactType } from './fact-types.js';

export type RuleSubject = Facts & { tags: string[] };

/** The facts' types and `tags`, a list of strings: what a rule is type-checked against. */
export const RULE_TYPES: FactType =
  FACT_TYPES.kind === 'object'
    ? { ...FACT_TYPES, fields: { ...FACT_TYPES.fields, tags: { kind: 'list', of: { kind: 'string' } } } }
    : FACT_TYPES;

export function ruleSubject(host: { tags?: readonly string[]; auto_tags?: readonly string[] }, facts: Facts): RuleSubject {
  return { ...facts, tags: hostTags(host) };
}
