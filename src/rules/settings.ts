// Settings that steer the rules (auto-provisioning on discovery) and the default BMC credential set
// (bmc/target.ts: the last place a host's BMC credentials are looked for).
import { audit, type AuditDeps } from '../audit/audit.js';
import { mustGetCredentialSet } from '../bmc/credentials.js';
import { validators } from '../schemas/validate.js';
import type { Settings } from './rule.js';

export async function changeSettings(deps: AuditDeps, body: unknown, actor: string): Promise<Settings> {
  const change = validators.settings(body);
  const { bmc_default_credentials: credentials, ...rest } = change;
  if (credentials) await mustGetCredentialSet(deps, credentials, 'bmc_default_credentials');
  const { bmc_default_credentials: before, ...current } = await deps.store.settings.get();
  // An empty name removes the default; absent leaves it as it was.
  const kept = credentials === undefined ? before : credentials || undefined;
  const next: Settings = { ...current, ...rest, ...(kept ? { bmc_default_credentials: kept } : {}) };
  await deps.store.settings.save(next);
  await audit(deps, actor, 'settings.change', 'settings', JSON.stringify(change));
  return next;
}
