// BMC credential sets: sealed at rest, never answered, refused deletion while in use (naming who uses
// them) unless forced; and the order a host's BMC credentials are resolved in (bmc/target.ts).
import { describe, expect, it } from 'vitest';
import { deleteCredentialSet, listCredentialSets, saveCredentialSet } from '../../src/bmc/credentials.js';
import { bmcTarget } from '../../src/bmc/target.js';
import type { BmcConfig } from '../../src/bmc/bmc.js';
import { changeSettings } from '../../src/rules/settings.js';
import type { Profile } from '../../src/profiles/profile.js';
import { host } from '../store/fixtures.js';
import { bmcDeps } from './deps.js';

const PASSWORD = 'rack-Secret-4711';

const bmc = (extra: Partial<BmcConfig> = {}): BmcConfig => ({
  driver: 'ipmi',
  address: '10.0.0.5',
  verify_tls: true,
  address_source: 'manual',
  updated_at: new Date().toISOString(),
  ...extra,
});

const profile = (name: string, bmc_credentials?: string): Profile => ({
  name,
  action: 'reboot',
  bootable: false,
  ...(bmc_credentials ? { bmc_credentials } : {}),
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
});

describe('BMC credential sets', () => {
  it('When a set is created, then its password is stored sealed and no answer, list or audit entry carries it', async () => {
    const deps = bmcDeps();
    const saved = await saveCredentialSet(deps, { name: 'rack-a', username: 'root', password: PASSWORD }, 'create', 'alice');
    expect(saved).toEqual(expect.objectContaining({ name: 'rack-a', username: 'root', has_password: true }));
    expect(JSON.stringify(saved)).not.toContain(PASSWORD);
    const stored = await deps.store.bmcCredentials.get('rack-a');
    expect(stored?.password).toMatch(/^kickstand-sealed:v1:/);
    expect(deps.secrets.openValue('x', stored!.password)).toBe(PASSWORD);
    expect(JSON.stringify(await listCredentialSets(deps))).not.toContain('sealed');
    const trail = await deps.store.audit.list();
    expect(trail[0]).toMatchObject({ action: 'bmc-credentials.create', target: 'rack-a', detail: 'new password' });
    expect(JSON.stringify(trail) + JSON.stringify(deps.lines)).not.toContain(PASSWORD);
    // Every role reads the trail; the set's user is for those who may power machines.
    expect(JSON.stringify(trail)).not.toContain('root');
  });

  it('When a set is replaced with a blank password, then the stored password is kept; a new set without one is refused', async () => {
    const deps = bmcDeps();
    await saveCredentialSet(deps, { name: 'rack-a', username: 'root', password: PASSWORD }, 'create', 'alice');
    const before = (await deps.store.bmcCredentials.get('rack-a'))!.password;
    await saveCredentialSet(deps, { name: 'rack-a', username: 'ADMIN', password: '' }, 'replace', 'alice');
    expect(await deps.store.bmcCredentials.get('rack-a')).toMatchObject({ username: 'ADMIN', password: before });
    await expect(saveCredentialSet(deps, { name: 'rack-b', username: 'root' }, 'put', 'alice')).rejects.toMatchObject({
      code: 'VALIDATION',
      field: 'password',
    });
    await expect(saveCredentialSet(deps, { name: 'rack-a', username: 'x', password: 'y' }, 'create', 'alice')).rejects.toMatchObject({
      code: 'NAME_TAKEN',
    });
    await expect(saveCredentialSet(deps, { name: 'nope', username: 'x' }, 'replace', 'alice')).rejects.toMatchObject({
      code: 'CREDENTIALS_NOT_FOUND',
    });
  });

  it('When a username has a control character or a password is over 128 characters, then it is refused naming the field', async () => {
    const deps = bmcDeps();
    await expect(saveCredentialSet(deps, { name: 'r', username: 'ro\not', password: 'p' }, 'put', 'a')).rejects.toMatchObject({
      field: 'username',
    });
    await expect(saveCredentialSet(deps, { name: 'r', username: 'root', password: 'p'.repeat(129) }, 'put', 'a')).rejects.toMatchObject({
      field: 'password',
    });
    expect(await deps.store.bmcCredentials.list()).toEqual([]);
  });

  it('When a set is used by a host, a profile and the default, then delete is refused naming each; force deletes it', async () => {
    const deps = bmcDeps();
    await saveCredentialSet(deps, { name: 'rack-a', username: 'root', password: PASSWORD }, 'create', 'alice');
    await deps.store.hosts.save(host('host00000001', '02:00:00:00:00:01', { bmc: bmc({ credentials: 'rack-a' }) }));
    await deps.store.profiles.save(profile('web', 'rack-a'));
    await changeSettings(deps, { bmc_default_credentials: 'rack-a' }, 'alice');
    const refused = deleteCredentialSet(deps, 'rack-a', false, 'alice');
    await expect(refused).rejects.toMatchObject({ code: 'CREDENTIALS_IN_USE', status: 409 });
    await expect(refused).rejects.toThrow('used by the default setting, profile web, host host00000001');
    expect(await deps.store.bmcCredentials.get('rack-a')).toBeDefined();
    await deleteCredentialSet(deps, 'rack-a', true, 'alice');
    expect(await deps.store.bmcCredentials.get('rack-a')).toBeUndefined();
    await expect(deleteCredentialSet(deps, 'rack-a', true, 'alice')).rejects.toMatchObject({ code: 'CREDENTIALS_NOT_FOUND' });
  });

  it('When the default names a set that does not exist, then the setting is refused naming the field; empty removes it', async () => {
    const deps = bmcDeps();
    await expect(changeSettings(deps, { bmc_default_credentials: 'ghost' }, 'alice')).rejects.toMatchObject({
      code: 'CREDENTIALS_NOT_FOUND',
      field: 'bmc_default_credentials',
    });
    await saveCredentialSet(deps, { name: 'site', username: 'root', password: PASSWORD }, 'create', 'alice');
    await changeSettings(deps, { bmc_default_credentials: 'site' }, 'alice');
    await changeSettings(deps, { auto_provision: true }, 'alice');
    expect(await deps.store.settings.get()).toEqual({ auto_provision: true, bmc_default_credentials: 'site' });
    await changeSettings(deps, { bmc_default_credentials: '' }, 'alice');
    expect(await deps.store.settings.get()).toEqual({ auto_provision: true });
  });
});

describe('BMC credential resolution (bmcTarget)', () => {
  async function world() {
    const deps = bmcDeps();
    for (const [name, username] of [
      ['own-set', 'set-user'],
      ['profile-set', 'profile-user'],
      ['default-set', 'default-user'],
    ])
      await saveCredentialSet(deps, { name, username, password: `${username}-pw` }, 'create', 'alice');
    await deps.store.profiles.save(profile('web', 'profile-set'));
    await deps.store.profiles.save(profile('bare'));
    await changeSettings(deps, { bmc_default_credentials: 'default-set' }, 'alice');
    return deps;
  }
  const assigned = (profileName: string) => ({ assignment: { action: 'reboot' as const, profile: profileName } });

  it("When the host has its own user and password, then they win over its set, its profile's and the default", async () => {
    const deps = await world();
    const h = host('h1', '02:00:00:00:00:01', {
      bmc: bmc({ username: 'own', password: deps.secrets.sealValue('own-pw'), credentials: 'own-set' }),
      ...assigned('web'),
    });
    expect(await bmcTarget(deps, h)).toMatchObject({ username: 'own', password: 'own-pw', port: 623, address: '10.0.0.5' });
  });

  it("When it has no user of its own, then its named set; else its profile's; else the default", async () => {
    const deps = await world();
    const named = host('h2', '02:00:00:00:00:02', { bmc: bmc({ credentials: 'own-set' }), ...assigned('web') });
    expect(await bmcTarget(deps, named)).toMatchObject({ username: 'set-user', password: 'set-user-pw' });
    const byProfile = host('h3', '02:00:00:00:00:03', { bmc: bmc(), ...assigned('web') });
    expect(await bmcTarget(deps, byProfile)).toMatchObject({ username: 'profile-user', password: 'profile-user-pw' });
    const profileWithout = host('h4', '02:00:00:00:00:04', { bmc: bmc({ driver: 'redfish' }), ...assigned('bare') });
    expect(await bmcTarget(deps, profileWithout)).toMatchObject({ username: 'default-user', password: 'default-user-pw', port: 443 });
    const unassigned = host('h5', '02:00:00:00:00:05', { bmc: bmc() });
    expect(await bmcTarget(deps, unassigned)).toMatchObject({ username: 'default-user' });
  });

  it('When a set named on the way is missing, then BMC_NOT_CONFIGURED names it rather than falling through', async () => {
    const deps = await world();
    await deps.store.profiles.save(profile('stale', 'gone-set'));
    const h = host('h6', '02:00:00:00:00:06', { bmc: bmc(), ...assigned('stale') });
    await expect(bmcTarget(deps, h)).rejects.toMatchObject({ code: 'BMC_NOT_CONFIGURED', field: 'bmc_credentials' });
    await expect(bmcTarget(deps, h)).rejects.toThrow('profile stale names the set "gone-set"');
    const own = host('h7', '02:00:00:00:00:07', { bmc: bmc({ credentials: 'gone' }) });
    await expect(bmcTarget(deps, own)).rejects.toThrow('its BMC names the set "gone"');
  });

  it('When nothing gives credentials, or the host has no BMC, then BMC_NOT_CONFIGURED', async () => {
    const deps = bmcDeps();
    await expect(bmcTarget(deps, host('h8', '02:00:00:00:00:08', { bmc: bmc() }))).rejects.toMatchObject({ code: 'BMC_NOT_CONFIGURED' });
    await expect(bmcTarget(deps, host('h9', '02:00:00:00:00:09'))).rejects.toMatchObject({ code: 'BMC_NOT_CONFIGURED', field: 'bmc' });
  });
});
