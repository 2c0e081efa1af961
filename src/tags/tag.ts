// Tags: short labels on hosts. Free tags are set by operators (API, bulk action, an expected-host
// record); automatic tags come from tag definitions, a rule-language expression over the facts
// (`gpu` = count(gpus) > 0), re-evaluated whenever a host's facts or the definitions change
// (auto-tags.ts). Rules and the hosts filter see both as one list: "gpu" in tags. docs/inventory.md#tags.

/** Lower case letters, digits, and - _ . : after the first character; at most 64. A tag reaches
 *  filters, URLs and CSV cells, so nothing that needs quoting in any of them. */
export const TAG_PATTERN = /^[a-z0-9][a-z0-9_.:-]{0,63}$/;
export const MAX_TAGS_PER_HOST = 64;

export interface TagDefinition {
  /** The tag it gives. */
  name: string;
  description?: string;
  /** Rule language over the facts (docs/rules.md), checked when saved. */
  expression: string;
  created_at: string;
  updated_at: string;
}

/** Every tag of a host, free then automatic, each once: what rules and filters see as `tags`. */
export function hostTags(host: { tags?: readonly string[]; auto_tags?: readonly string[] }): string[] {
  if (!host.auto_tags?.length) return host.tags ? [...host.tags] : [];
  if (!host.tags?.length) return [...host.auto_tags];
  return [...new Set([...host.tags, ...host.auto_tags])];
}
