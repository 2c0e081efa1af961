// A host's free tags, as people set them: replaced as a whole (PUT), or changed by adding and removing
// some (PATCH, the bulk actions). The result is what tags/tag.ts promises everywhere: each tag spelled
// by TAG_PATTERN, once, sorted, at most MAX_TAGS_PER_HOST. A change is on the host's timeline and in
// the audit trail; a refusal changes nothing. Automatic tags (auto-tags.ts) are never touched here.
import type { CallerWith } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError, errors } from '../errors.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import { addEvent, type Host } from '../hosts/host.js';
import { compile } from '../schemas/validate.js';
import { hostTagsChangeSchema, hostTagsSchema } from '../schemas/tags.js';
import { MAX_TAGS_PER_HOST, TAG_PATTERN } from './tag.js';

export type HostTagsDeps = AuditDeps & Pick<Deps, 'hostsLock'>;

/** Replace the free tags (`set`), or add and remove some. */
export type TagChange = { set: string[] } | { add?: string[]; remove?: string[] };

const checkSet = compile<{ tags: string[] }>(hostTagsSchema);
const checkChange = compile<{ add?: string[]; remove?: string[] }>(hostTagsChangeSchema);

/** A body of PUT /hosts/{id}/tags ({tags}) or PATCH ({add, remove}), checked: a bad tag is named by its place. */
export function readTagChange(body: unknown, mode: 'set' | 'change'): TagChange {
  return mode === 'set' ? { set: checkSet(body).tags } : checkChange(body);
}

/** The free tags after `change`, or a VALIDATION error naming `field` when past the cap. */
export function applyTagChange(current: readonly string[], change: TagChange, field = 'tags'): string[] {
  let next: Set<string>;
  if ('set' in change) next = new Set(change.set);
  else {
    const remove = new Set(change.remove ?? []);
    next = new Set([...current, ...(change.add ?? [])].filter((t) => !remove.has(t)));
  }
  if (next.size > MAX_TAGS_PER_HOST)
    throw new AppError('VALIDATION', `${field}: a host has at most ${MAX_TAGS_PER_HOST} tags (this would give it ${next.size})`, field);
  return [...next].sort();
}

/** "+rack-12 −spare": what changed, for the timeline and the trail. */
export function describeTagChange(before: readonly string[], after: readonly string[]): string {
  const added = after.filter((t) => !before.includes(t)).map((t) => `+${t}`);
  const removed = before.filter((t) => !after.includes(t)).map((t) => `−${t}`);
  return [...added, ...removed].join(' ');
}

/** Change one host's free tags. Unchanged tags write nothing (no event, no audit entry). */
export async function changeHostTags(deps: HostTagsDeps, id: string, change: TagChange, { actor, ip }: CallerWith<'ip'>): Promise<Host> {
  const field = 'set' in change ? 'tags' : 'add';
  const { host, what, durable } = await deps.hostsLock.run(async () => {
    const current = await deps.store.hosts.get(id);
    if (!current) throw errors.hostNotFound(id);
    const before = current.tags ?? [];
    const tags = applyTagChange(before, change, field);
    const what = describeTagChange(before, tags);
    if (!what) return { host: current, what, durable: Promise.resolve() };
    const { tags: _old, ...rest } = current;
    const next: Host = { ...rest, ...(tags.length ? { tags } : {}), events: [...current.events], updated_at: new Date().toISOString() };
    addEvent(next, { type: 'tags-changed', actor, ip, message: `tags ${what}` });
    return { host: next, what, durable: deps.store.hosts.save(next) };
  });
  await durable;
  if (what) await audit(deps, actor, 'host.tags', id, what);
  return host;
}

/** The tags a person typed in a form ("db rack-12, spare"): split on spaces and commas, each checked,
 *  a bad one named in the error (field `tags`). */
export function tagsFromText(text: string, field = 'tags'): string[] {
  const tags = text.split(/[\s,]+/).filter(Boolean);
  const bad = tags.find((t) => !TAG_PATTERN.test(t));
  if (bad !== undefined)
    throw new AppError(
      'VALIDATION',
      `${field}: "${bad.slice(0, 70)}" is not a tag (lower case letters, digits and - _ . : — at most 64, starting with a letter or digit)`,
      field,
    );
  return tags;
}
