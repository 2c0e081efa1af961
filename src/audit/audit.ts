// Who changed what: assignments, profiles, rules, settings, users and tokens. Each entry is appended
// once the change itself is durable (so the trail never shows a change that did not happen), shares
// the next group commit with whatever else is pending, and is also logged. Entries never carry
// secrets (no tokens, no passwords, no rendered kickstarts).
import type { Deps } from '../deps.js';

export interface AuditEntry {
  at: string;
  actor: string;
  /** e.g. host.assign, host.delete, profile.create, rule.delete, settings.change, user.create */
  action: string;
  /** What it acted on: a host id, profile or rule name, user name. */
  target: string;
  detail?: string;
}

export const MAX_AUDIT = 5000;

export async function audit(deps: Deps, actor: string, action: string, target: string, detail?: string): Promise<void> {
  if (detail) detail = withoutUrlCredentials(detail);
  const entry: AuditEntry = { at: new Date().toISOString(), actor, action, target, ...(detail ? { detail } : {}) };
  deps.log.info({ audit: true, actor, action, target, detail }, action);
  await deps.store.appendAudit(entry);
}

/** A mirror URL may carry `user:password@` (installer repos, kexec kernels): the trail keeps the URL,
 *  never its credentials. */
export function withoutUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/gi, '$1[redacted]@');
}
