// Reading the audit trail a page at a time: the query parameters of GET /api/v1/audit and of the audit
// page (actor, action, target, limit, cursor), checked here once so both answer the same errors, each
// naming its parameter. The cursor is the `seq` of the last entry shown: later appends and evictions
// never shift a page, unlike an offset would.
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { AuditEntry, AuditQuery } from './audit.js';

export const AUDIT_PAGE = { default: 100, max: 1000 } as const;

export interface AuditPage {
  entries: readonly Readonly<AuditEntry>[];
  /** The cursor of the next (older) page, when there may be one. */
  next?: number;
  query: AuditQuery;
}

/** A query from the URL's parameters; an empty text field counts as absent (the page's form sends them). */
export function parseAuditQuery(params: Record<string, unknown>): AuditQuery {
  const text = (name: string): string | undefined => {
    const value = params[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw new AppError('VALIDATION', `${name} must be given once, as text`, name);
    if (value.length > 128 || /[\x00-\x1f\x7f]/.test(value))
      throw new AppError('VALIDATION', `${name} must be at most 128 characters, without control characters`, name);
    return value;
  };
  const whole = (name: string, min: number, max: number): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    if (!/^\d{1,16}$/.test(value) || Number(value) < min || Number(value) > max)
      throw new AppError('VALIDATION', `${name} must be a whole number from ${min} to ${max}`, name);
    return Number(value);
  };
  const action = text('action');
  if (action !== undefined && !/^[a-z][a-z0-9.-]*\*?$/.test(action))
    throw new AppError('VALIDATION', 'action must be an action such as user.delete, or a prefix ending in * such as user.*', 'action');
  const actor = text('actor');
  const target = text('target');
  const before = whole('cursor', 1, Number.MAX_SAFE_INTEGER);
  return {
    ...(actor !== undefined ? { actor } : {}),
    ...(action !== undefined ? { action } : {}),
    ...(target !== undefined ? { target } : {}),
    ...(before !== undefined ? { before } : {}),
    limit: whole('limit', 1, AUDIT_PAGE.max) ?? AUDIT_PAGE.default,
  };
}

export async function readAudit(deps: Pick<Deps, 'store'>, query: AuditQuery): Promise<AuditPage> {
  const entries = await deps.store.audit.list(query);
  const last = entries[entries.length - 1];
  return { entries, query, ...(entries.length === query.limit && last?.seq !== undefined ? { next: last.seq } : {}) };
}
