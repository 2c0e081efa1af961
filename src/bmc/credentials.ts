// BMC credential sets as admins manage them: one user and password for many BMCs (a rack's factory
// account, a site account). The password is sealed with the data dir's key before it is stored and is
// never handed back, to anyone: answers say only that one is set. A set in use — by a host, a profile or
// as the default — is deleted only with force, and the refusal names who uses it.
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import { validators } from '../schemas/validate.js';
import type { BmcCredentialSet } from './bmc.js';

export type CredentialDeps = AuditDeps & Pick<Deps, 'secrets' | 'hostsLock'>;

/** A credential set as answers and pages show it: never the password. */
export type BmcCredentialSetView = Omit<BmcCredentialSet, 'password'> & { has_password: true };

export function credentialSetView(set: Readonly<BmcCredentialSet>): BmcCredentialSetView {
  const { password: _password, ...rest } = set;
  return { ...rest, has_password: true };
}

export const credentialsNotFound = (name: string, field = 'name') =>
  new AppError('CREDENTIALS_NOT_FOUND', `no BMC credential set named "${name}"`, field);

export async function listCredentialSets(deps: Pick<Deps, 'store'>): Promise<BmcCredentialSetView[]> {
  return (await deps.store.bmcCredentials.list()).map(credentialSetView);
}

export async function mustGetCredentialSet(deps: Pick<Deps, 'store'>, name: string, field = 'name'): Promise<Readonly<BmcCredentialSet>> {
  const found = await deps.store.bmcCredentials.get(name);
  if (!found) throw credentialsNotFound(name, field);
  return found;
}

/** Create (`create`), replace (`replace`) or either (`put`, the API's PUT). An empty or absent password
 *  keeps the stored one on a replace; a new set needs one. */
export async function saveCredentialSet(
  deps: CredentialDeps,
  body: unknown,
  mode: 'create' | 'replace' | 'put',
  actor: string,
): Promise<BmcCredentialSetView> {
  const input = validators.bmcCredentialSet(body);
  const now = new Date().toISOString();
  const { set, existed, durable } = await deps.hostsLock.run(async () => {
    const existing = await deps.store.bmcCredentials.get(input.name);
    if (mode === 'create' && existing) throw new AppError('NAME_TAKEN', `BMC credential set "${input.name}" already exists`, 'name');
    if (mode === 'replace' && !existing) throw credentialsNotFound(input.name);
    if (!input.password && !existing) throw new AppError('VALIDATION', 'password is required for a new credential set', 'password');
    const set: BmcCredentialSet = {
      name: input.name,
      username: input.username,
      password: input.password ? deps.secrets.sealValue(input.password) : existing!.password,
      ...(input.description ? { description: input.description } : {}),
      created_at: existing?.created_at ?? now,
      ...(existing ? { updated_at: now } : {}),
    };
    return { set, existed: existing !== undefined, durable: deps.store.bmcCredentials.save(set) };
  });
  await durable;
  // The trail (every role reads it) says whether the password changed; never it, nor the user.
  await audit(
    deps,
    actor,
    existed ? 'bmc-credentials.replace' : 'bmc-credentials.create',
    set.name,
    input.password ? 'new password' : 'password kept',
  );
  return credentialSetView(set);
}

/** Who uses a credential set: hosts (their BMC names it), profiles, and the settings' default. */
export interface CredentialSetUsers {
  hosts: string[];
  profiles: string[];
  default: boolean;
}

export async function credentialSetUsers(deps: Pick<Deps, 'store'>, name: string): Promise<CredentialSetUsers> {
  const [hosts, profiles, settings] = await Promise.all([deps.store.hosts.list(), deps.store.profiles.list(), deps.store.settings.get()]);
  return {
    hosts: hosts.filter((h) => h.bmc?.credentials === name).map((h) => h.id),
    profiles: profiles.filter((p) => p.bmc_credentials === name).map((p) => p.name),
    default: settings.bmc_default_credentials === name,
  };
}

export function describeUsers(users: CredentialSetUsers): string {
  return [
    ...(users.default ? ['the default setting'] : []),
    ...users.profiles.map((p) => `profile ${p}`),
    ...users.hosts.map((h) => `host ${h}`),
  ].join(', ');
}

/** Remove a set. With force, whatever still names it is left naming it: its BMC operations then fail
 *  with BMC_NOT_CONFIGURED naming the missing set, until it is given other credentials. */
export async function deleteCredentialSet(deps: CredentialDeps, name: string, force: boolean, actor: string): Promise<CredentialSetUsers> {
  const { users, durable } = await deps.hostsLock.run(async () => {
    await mustGetCredentialSet(deps, name);
    const users = await credentialSetUsers(deps, name);
    if (!force && (users.default || users.profiles.length || users.hosts.length))
      throw new AppError(
        'CREDENTIALS_IN_USE',
        `BMC credential set "${name}" is used by ${describeUsers(users)}; delete with ?force=true to remove it anyway`,
        'name',
        users,
      );
    return { users, durable: deps.store.bmcCredentials.delete(name) };
  });
  await durable;
  await audit(deps, actor, 'bmc-credentials.delete', name, force ? 'forced' : undefined);
  return users;
}
