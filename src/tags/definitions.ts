// Automatic tag definitions as admins and operators manage them: a tag name and a rule-language
// expression over the facts. A definition is compiled before it is stored (INVALID_EXPRESSION names
// the line and column; nothing changes); every change re-evaluates every host in the background
// (auto-tags.ts), and the answer says how many hosts that is.
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import { compile } from '../schemas/validate.js';
import { tagDefinitionSchema } from '../schemas/tags.js';
import { compileTagExpression, reevaluateInBackground, type Reevaluation, type ReevaluateDeps } from './auto-tags.js';
import type { TagDefinition } from './tag.js';

export type DefinitionDeps = AuditDeps & ReevaluateDeps;

const check = compile<{ name: string; expression: string; description?: string }>(tagDefinitionSchema);

/** A definition as lists show it: with how many hosts carry its tag now. */
export type TagDefinitionView = Readonly<TagDefinition> & { hosts: number };

/** What a change answers: the definition, and the re-evaluation it started. */
export interface DefinitionChange {
  definition?: Readonly<TagDefinition>;
  created: boolean;
  /** How many hosts are being re-evaluated. */
  reevaluating: number;
  /** Resolves when they have been (tests await it; the API does not). */
  done: Promise<Reevaluation>;
}

export const tagNotFound = (name: string) => new AppError('TAG_NOT_FOUND', `no tag definition named "${name}"`, 'name');

export async function listDefinitions(deps: Pick<Deps, 'store'>): Promise<TagDefinitionView[]> {
  const [definitions, hosts] = await Promise.all([deps.store.tagDefinitions.list(), deps.store.hosts.list()]);
  const counts = new Map<string, number>();
  for (const h of hosts) for (const t of h.auto_tags ?? []) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...definitions].sort((a, b) => a.name.localeCompare(b.name)).map((d) => ({ ...d, hosts: counts.get(d.name) ?? 0 }));
}

export async function mustGetDefinition(deps: Pick<Deps, 'store'>, name: string): Promise<Readonly<TagDefinition>> {
  const found = await deps.store.tagDefinitions.get(name);
  if (!found) throw tagNotFound(name);
  return found;
}

/** Each is evaluated against every registering machine's facts, inside the hosts lock. */
export const MAX_TAG_DEFINITIONS = 500;

/** Create or replace (PUT semantics); `mode` lets a form refuse to overwrite by accident. */
export async function saveDefinition(
  deps: DefinitionDeps,
  body: unknown,
  actor: string,
  mode: 'put' | 'create' = 'put',
): Promise<DefinitionChange> {
  const input = check(body);
  compileTagExpression(input.expression);
  const now = new Date().toISOString();
  const { definition, created, durable } = await deps.hostsLock.run(async () => {
    const existing = await deps.store.tagDefinitions.get(input.name);
    if (mode === 'create' && existing) throw new AppError('NAME_TAKEN', `tag definition "${input.name}" already exists`, 'name');
    // Every definition runs at every registration, under the hosts lock: their number is bounded.
    if (!existing && (await deps.store.tagDefinitions.list()).length >= MAX_TAG_DEFINITIONS)
      throw new AppError(
        'LIMIT_REACHED',
        `there are already ${MAX_TAG_DEFINITIONS} tag definitions (the most there may be): delete one first`,
        'name',
      );
    const definition: TagDefinition = {
      name: input.name,
      expression: input.expression,
      ...(input.description ? { description: input.description } : {}),
      created_at: existing?.created_at ?? now,
      updated_at: now,
    };
    return { definition, created: !existing, durable: deps.store.tagDefinitions.save(definition) };
  });
  await durable;
  await audit(deps, actor, created ? 'tag.create' : 'tag.replace', definition.name, definition.expression);
  const { hosts, done } = await reevaluateInBackground(deps);
  return { definition, created, reevaluating: hosts, done };
}

/** Remove a definition: its tag goes from every host (in the background, like a change). */
export async function deleteDefinition(deps: DefinitionDeps, name: string, actor: string): Promise<DefinitionChange> {
  const deleted = await deps.hostsLock.run(() => deps.store.tagDefinitions.delete(name));
  if (!deleted) throw tagNotFound(name);
  await audit(deps, actor, 'tag.delete', name);
  const { hosts, done } = await reevaluateInBackground(deps);
  return { created: false, reevaluating: hosts, done };
}
