// Settings that steer the rules (today: auto-provisioning on discovery).
import { audit, type AuditDeps } from '../audit/audit.js';
import { validators } from '../schemas/validate.js';
import type { Settings } from './rule.js';

export async function changeSettings(deps: AuditDeps, body: unknown, actor: string): Promise<Settings> {
  const change = validators.settings(body);
  const next = { ...(await deps.store.settings.get()), ...change };
  await deps.store.settings.save(next);
  await audit(deps, actor, 'settings.change', 'settings', JSON.stringify(change));
  return next;
}
