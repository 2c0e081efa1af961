// Create, replace and delete profiles. A profile is checked like an assignment would be: its template
// must exist and its kexec append line must compile as an operator template. A profile in use (by a
// host's assignment or by a rule) is only deleted with force, and the answer lists what uses it.
import type { Deps } from '../deps.js';
import { AppError, errors } from '../errors.js';
import { checkAppend } from '../kickstart/render/index.js';
import { validators } from '../schemas/validate.js';
import { stageDigests } from '../hosts/stage.js';
import type { Profile, ProfileInput } from './profile.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import { keepMasked } from '../secrets/keep-masked.js';
import { mustGetCredentialSet } from '../bmc/credentials.js';

export function readProfile(body: unknown): ProfileInput {
  const { action } = validators.profile(body);
  if (action === 'kickstart') {
    const p = validators.kickstartProfile(body);
    return { ...p, params: p.params ?? {}, bootable: p.bootable ?? false };
  }
  if (action === 'kexec') {
    const p = validators.kexecProfile(body);
    return { ...p, append: p.append ?? '', bootable: p.bootable ?? false };
  }
  if (action === 'stage') {
    const p = validators.stageProfile(body);
    return { ...p, ...stageDigests(p), append: p.append ?? '', bootable: p.bootable ?? false };
  }
  const p = validators.rebootProfile(body);
  return { ...p, bootable: p.bootable ?? false };
}

export async function saveProfile(
  deps: AuditDeps & Pick<Deps, 'hostsLock' | 'kickstarts' | 'secrets'>,
  body: unknown,
  mode: 'create' | 'replace',
  actor: string,
): Promise<Profile> {
  const input = readProfile(body);
  if (input.action === 'kickstart' && !(await deps.kickstarts.exists(input.template))) {
    throw errors.templateNotFound(input.template);
  }
  if (input.action === 'kexec' || input.action === 'stage') checkAppend(input.append);
  if (input.bmc_credentials) await mustGetCredentialSet(deps, input.bmc_credentials, 'bmc_credentials');
  const { profile, durable } = await deps.hostsLock.run(async () => {
    const existing = await deps.store.profiles.get(input.name);
    if (mode === 'create' && existing) throw errors.nameTaken('profile', input.name);
    if (mode === 'replace' && !existing) throw errors.profileNotFound(input.name);
    const now = new Date().toISOString();
    const profile = { ...protectedInput(deps, input, existing), created_at: existing?.created_at ?? now, updated_at: now };
    return { profile, durable: deps.store.profiles.save(profile) };
  });
  await durable;
  await audit(deps, actor, mode === 'create' ? 'profile.create' : 'profile.replace', profile.name, profile.action);
  return profile;
}

/** Secret params as they are stored: "***" keeps the profile's stored value, the rest hashed or sealed. */
function protectedInput(deps: Pick<Deps, 'secrets'>, input: ProfileInput, existing: Profile | undefined): ProfileInput {
  if (input.action !== 'kickstart') return input;
  const kept = existing?.action === 'kickstart' ? existing.params : {};
  return { ...input, params: deps.secrets.protect(keepMasked(input.params, kept)) };
}

export interface ProfileUsers {
  hosts: string[];
  rules: string[];
}

export async function profileUsers(deps: Pick<Deps, 'store'>, name: string): Promise<ProfileUsers> {
  const hosts = (await deps.store.hosts.list())
    .filter((h) => h.assignment?.profile === name && h.state !== 'provisioning')
    .map((h) => h.id);
  const rules = (await deps.store.rules.list()).filter((r) => r.profile === name).map((r) => r.name);
  return { hosts, rules };
}

export async function deleteProfile(
  deps: AuditDeps & Pick<Deps, 'hostsLock'>,
  name: string,
  force: boolean,
  actor: string,
): Promise<ProfileUsers> {
  const { users, durable } = await deps.hostsLock.run(async () => {
    if (!(await deps.store.profiles.get(name))) throw errors.profileNotFound(name);
    const users = await profileUsers(deps, name);
    if (!force && (users.hosts.length || users.rules.length)) {
      const list = [...users.rules.map((r) => `rule ${r}`), ...users.hosts.map((h) => `host ${h}`)];
      throw new AppError(
        'PROFILE_IN_USE',
        `profile "${name}" is used by ${list.join(', ')}; delete with ?force=true to remove it anyway`,
        'name',
        users,
      );
    }
    return { users, durable: deps.store.profiles.delete(name) };
  });
  await durable;
  await audit(deps, actor, 'profile.delete', name, force ? 'forced' : undefined);
  return users;
}
