// Users: create, reset a password, change a role, issue and revoke personal API tokens, and the first
// admin. A password reset or a role change moves the user's sessions_epoch on, which ends its web
// sessions at their next request (web/sessions.ts); deleting the user ends sessions and tokens alike.
import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.js';
import { AppError, errors } from '../errors.js';
import { hashToken, newToken } from '../hosts/tokens.js';
import { generatePassword, hashPassword } from './passwords.js';
import { isRole } from './roles.js';
import type { User } from './user.js';
import { audit, type AuditDeps } from '../audit/audit.js';

const NAME = /^[a-z][a-z0-9_.-]{0,31}$/;
export const MIN_PASSWORD = 12;
/** Personal tokens per user: each is a line in the user record and an audit entry, so a viewer must
 *  not be able to mint them without end. */
export const MAX_TOKENS = 20;

function checkName(name: string): void {
  if (!NAME.test(name))
    throw new AppError('VALIDATION', 'name must be 1–32 characters: lower-case letters, digits, _ . - (starting with a letter)', 'name');
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD || password.length > 1024)
    throw new AppError('VALIDATION', `password must be ${MIN_PASSWORD} to 1024 characters`, 'password');
}

/** What changing users takes (the hosts lock serialises every find-then-save on the document). */
export type UserDeps = AuditDeps & Pick<Deps, 'hostsLock'>;

/** Create a user; without a password one is generated and returned (shown once). */
export async function createUser(
  deps: UserDeps,
  name: string,
  role: string,
  password: string | undefined,
  actor: string,
): Promise<{ user: User; password: string }> {
  checkName(name);
  if (!isRole(role)) throw errors.badRole();
  const secret = password ?? generatePassword();
  checkPassword(secret);
  const hash = await hashPassword(secret);
  const user = await deps.hostsLock.run(async () => {
    if (await deps.store.users.get(name)) throw errors.nameTaken('user', name);
    const now = new Date().toISOString();
    const user: User = { name, role, password_hash: hash, tokens: [], created_at: now, updated_at: now };
    await deps.store.users.save(user);
    return user;
  });
  await audit(deps, actor, 'user.create', name, role);
  return { user, password: secret };
}

export async function resetPassword(deps: UserDeps, name: string, password: string | undefined, actor: string): Promise<string> {
  const secret = password ?? generatePassword();
  checkPassword(secret);
  const hash = await hashPassword(secret);
  await deps.hostsLock.run(async () => {
    const user = await deps.store.users.get(name);
    if (!user) throw errors.userNotFound(name);
    await deps.store.users.save({
      ...user,
      password_hash: hash,
      sessions_epoch: (user.sessions_epoch ?? 0) + 1,
      updated_at: new Date().toISOString(),
    });
  });
  await audit(deps, actor, 'user.password', name);
  return secret;
}

/** A new role, in force at the user's next request; its web sessions end (log in again). */
export async function changeRole(deps: UserDeps, name: string, role: string, actor: string): Promise<User> {
  if (!isRole(role)) throw errors.badRole();
  const { changed, from } = await deps.hostsLock.run(async () => {
    const user = await deps.store.users.get(name);
    if (!user) throw errors.userNotFound(name);
    if (user.role === role) return { changed: user, from: role };
    const changed: User = { ...user, role, sessions_epoch: (user.sessions_epoch ?? 0) + 1, updated_at: new Date().toISOString() };
    await deps.store.users.save(changed);
    return { changed, from: user.role };
  });
  if (from !== role) await audit(deps, actor, 'user.role', name, `${from} → ${role}`);
  return changed;
}

/** A personal API token: returned once, kept as a hash. */
export async function createApiToken(
  deps: UserDeps,
  name: string,
  tokenName: string,
  actor: string,
): Promise<{ id: string; token: string }> {
  if (!/^[\w .-]{1,64}$/.test(tokenName))
    throw new AppError('VALIDATION', 'token name must be 1–64 letters, digits, spaces, _ . -', 'name');
  const token = `ks_${newToken()}${newToken()}`;
  const id = randomBytes(6).toString('hex');
  await deps.hostsLock.run(async () => {
    const user = await deps.store.users.get(name);
    if (!user) throw errors.userNotFound(name, 'user');
    if (user.tokens.length >= MAX_TOKENS)
      throw new AppError(
        'LIMIT_REACHED',
        `user "${name}" already has ${MAX_TOKENS} personal tokens, the most allowed; revoke one first`,
        'tokens',
      );
    const entry = { id, name: tokenName, hash: hashToken(token), created_at: new Date().toISOString() };
    await deps.store.users.save({ ...user, tokens: [...user.tokens, entry] });
  });
  await audit(deps, actor, 'token.create', name, `${id} (${tokenName})`);
  return { id, token };
}

export async function revokeApiToken(deps: UserDeps, name: string, id: string, actor: string): Promise<void> {
  await deps.hostsLock.run(async () => {
    const user = await deps.store.users.get(name);
    if (!user || !user.tokens.some((t) => t.id === id)) throw new AppError('NOT_FOUND', `user "${name}" has no token "${id}"`, 'id');
    await deps.store.users.save({ ...user, tokens: user.tokens.filter((t) => t.id !== id) });
  });
  await audit(deps, actor, 'token.revoke', name, id);
}

export async function deleteUser(deps: UserDeps, name: string, actor: string): Promise<void> {
  if (!(await deps.hostsLock.run(() => deps.store.users.delete(name)))) throw errors.userNotFound(name);
  await audit(deps, actor, 'user.delete', name);
}

/** At first start there is no user: create `admin` with KICKSTAND_ADMIN_PASSWORD, or a generated
 *  password the caller prints once. Returns the generated password, if any. */
export async function ensureFirstAdmin(deps: UserDeps, configured: string | undefined): Promise<string | undefined> {
  if ((await deps.store.users.list()).length) return undefined;
  try {
    const { password } = await createUser(deps, 'admin', 'admin', configured, 'kickstand');
    return configured ? undefined : password;
  } catch (err) {
    // Another instance on the same database made the first admin a moment ago: theirs it is.
    if (err instanceof AppError && err.code === 'NAME_TAKEN') return undefined;
    throw err;
  }
}
