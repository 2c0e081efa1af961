// An audit entry and its kinds: what the store keeps and how it caps each kind, apart from the use
// case that writes entries (audit.ts), so the store can read the policy without calling a use case.
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
