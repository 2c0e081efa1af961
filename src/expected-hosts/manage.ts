// Reading and deleting expected hosts one by one (importing is import.ts). What each role sees: every
// reader sees the records with secret params masked, as host views show them; the BMC credential
// set's name only for those who may power machines (bmc/views.ts).
import type { CallerWith } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import { allows, type Role } from '../auth/roles.js';
import { maskParams } from '../secrets/secret-params.js';
import type { ExpectedHost } from './expected-host.js';

export const expectedHostNotFound = (id: string) => new AppError('EXPECTED_HOST_NOT_FOUND', `no expected host with id "${id}"`, 'id');

export function expectedHostView(record: Readonly<ExpectedHost>, role: Role): ExpectedHost {
  const { credentials: _c, ...place } = record.bmc ?? { credentials: undefined };
  return {
    ...record,
    ...(record.params ? { params: maskParams(record.params) } : {}),
    ...(record.bmc ? { bmc: allows(role, 'power:write') ? record.bmc : (place as ExpectedHost['bmc'] & object) } : {}),
  };
}

export async function listExpectedHosts(deps: Pick<Deps, 'store'>, role: Role): Promise<ExpectedHost[]> {
  return (await deps.store.expectedHosts.list()).map((r) => expectedHostView(r, role));
}

export async function mustGetExpectedHost(deps: Pick<Deps, 'store'>, id: string): Promise<Readonly<ExpectedHost>> {
  const record = await deps.store.expectedHosts.get(id);
  if (!record) throw expectedHostNotFound(id);
  return record;
}

export async function deleteExpectedHost(deps: AuditDeps, id: string, { actor }: CallerWith<'ip'>): Promise<void> {
  const record = await mustGetExpectedHost(deps, id);
  if (!(await deps.store.expectedHosts.delete(id))) throw expectedHostNotFound(id);
  await audit(deps, actor, 'expected-host.delete', id, record.hostname ? `hostname ${record.hostname}` : undefined);
}
