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

export interface AuditEntry {
  at: string;
  actor: string;
  /** e.g. host.assign, host.delete, profile.create, rule.delete, settings.change, user.create */
  action: string;
  /** What it acted on: a host id, profile or rule name, user name. */
  target: string;
  detail?: string;
  /** Order of appending, given by the store: the pagination cursor. Entries older than seq got one at
   *  load, in their order. */
  seq?: number;
}

/** How many entries of each kind are kept: past a cap by 1% (at least 10), that kind's oldest entries
 *  go, down to the cap. */
export const AUDIT_CAPS = {
  'sign-in': 2000,
  'sign-in-failure': 1000,
  users: 1000,
  tokens: 1000,
  templates: 2000,
  'template-previews': 500,
  assignments: 3000,
  'identity-conflicts': 1000,
  settings: 500,
  other: 3000,
} as const;
export type AuditKind = keyof typeof AUDIT_CAPS;

/** Which cap an action counts against (the only place that sorts actions into kinds). */
export function auditKind(action: string): AuditKind {
  if (action === 'login' || action === 'logout') return 'sign-in';
  if (action.startsWith('login.')) return 'sign-in-failure';
  if (action.startsWith('user.')) return 'users';
  if (action.startsWith('token.')) return 'tokens';
  if (action === 'template.preview') return 'template-previews';
  if (action.startsWith('template.')) return 'templates';
  if (action === 'host.assign') return 'assignments';
  if (action.startsWith('host.conflict')) return 'identity-conflicts';
  if (action.startsWith('settings.')) return 'settings';
  return 'other';
}

/** What the audit page and GET /api/v1/audit filter on; all optional, newest first. */
export interface AuditQuery {
  actor?: string;
  /** An exact action (`user.delete`), or a prefix ending in `*` (`user.*`). */
  action?: string;
  target?: string;
  /** Only entries older than this seq (the previous page's `next`). */
  before?: number;
  limit: number;
}

/** What writing the trail takes; every use case that audits asks for at least this. */
export type AuditDeps = Pick<Deps, 'store' | 'log'>;

export async function audit(deps: AuditDeps, actor: string, action: string, target: string, detail?: string): Promise<void> {
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
