// Who changed what: assignments, profiles, rules, settings, users and tokens. Each entry is appended
// once the change itself is durable (so the trail never shows a change that did not happen), shares
// the next group commit with whatever else is pending, and is also logged. Entries never carry
// secrets (no tokens, no passwords, no rendered kickstarts).
//
// No flood may erase the trail (issue 13, item 8): every entry has a kind, and each kind has its own
// cap, so the oldest entries to go are always of the kind that overflowed. Security kinds — sign-ins,
// users and roles, tokens, template saves, previews, assignments, identity conflicts, settings — are
// apart from the chatty rest and from one another: a viewer logging in, an author previewing or
// anyone minting tokens only ever pushes out entries of that same kind.
import type { Deps } from '../deps.js';

import type { AuditEntry } from './entry.js';
export { AUDIT_CAPS, auditKind, type AuditEntry, type AuditKind, type AuditQuery } from './entry.js';

/** What writing the trail takes; every use case that audits asks for at least this. */
export type AuditDeps = Pick<Deps, 'store' | 'log'>;

export async function audit(deps: AuditDeps, actor: string, action: string, target: string, detail?: string): Promise<void> {
  if (detail) detail = withoutUrlCredentials(detail);
  const entry: AuditEntry = { at: new Date().toISOString(), actor, action, target, ...(detail ? { detail } : {}) };
  deps.log.info({ audit: true, actor, action, target, detail }, action);
  await deps.store.audit.append(entry);
}

/** A mirror URL may carry `user:password@` (installer repos, kexec kernels): the trail keeps the URL,
 *  never its credentials. */
export function withoutUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/gi, '$1[redacted]@');
}
