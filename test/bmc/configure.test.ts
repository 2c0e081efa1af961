// Setting a host's BMC by hand: each bad field refused naming it (and nothing stored changes), the
// password sealed and kept when left blank, the timeline and the audit told without the password.
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clearHostBmc, setHostBmc } from '../../src/bmc/configure.js';
import { saveCredentialSet } from '../../src/bmc/credentials.js';
import { host } from '../store/fixtures.js';
import { tempDir } from '../support/temp.js';
import { bmcDeps, CALLER } from './deps.js';

const PASSWORD = 'Calvin-0wn3d!';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';

async function withHost() {
  const deps = bmcDeps();
  await deps.store.hosts.save(host('host00000001', '02:00:00:00:00:01'));
  return deps;
}

describe('setHostBmc', () => {
  it('When a BMC is set with a user and password, then the password is sealed, the source is manual, and neither timeline, audit nor log holds it', async () => {
    const deps = await withHost();
    const h = await setHostBmc(
      deps,
      'host00000001',
      { driver: 'redfish', address: 'bmc1.example.com', username: 'root', password: PASSWORD },
      CALLER,
    );
    expect(h.bmc).toMatchObject({
      driver: 'redfish',
      address: 'bmc1.example.com',
      username: 'root',
      verify_tls: true,
      address_source: 'manual',
    });
    expect(h.bmc?.password).toMatch(/^kickstand-sealed:v1:/);
    expect(deps.secrets.openValue('bmc.password', h.bmc!.password!)).toBe(PASSWORD);
    const stored = await deps.store.hosts.get('host00000001');
    expect(stored?.events.at(-1)).toMatchObject({ type: 'bmc-set', actor: 'alice', ip: '192.0.2.1' });
    const trail = await deps.store.audit.list();
    expect(trail[0]).toMatchObject({ action: 'host.bmc.set', target: 'host00000001', actor: 'alice' });
    expect(trail[0]?.detail).toContain('(new password)');
    expect(JSON.stringify([stored?.events, trail, deps.lines])).not.toContain(PASSWORD);
    // Every role reads the timeline and the trail: the BMC's user is not there either.
    expect(JSON.stringify([stored?.events, trail])).not.toContain('root');
  });

  it('When the form leaves the password blank, then the stored one is kept for the same BMC only; a user with no password stored is refused', async () => {
    const deps = await withHost();
    const first = await setHostBmc(
      deps,
      'host00000001',
      { driver: 'ipmi', address: '10.0.0.5', username: 'root', password: PASSWORD },
      CALLER,
    );
    const again = await setHostBmc(
      deps,
      'host00000001',
      { driver: 'ipmi', address: '10.0.0.5', username: 'root', password: '', system_path: '/redfish/v1/Systems/1' },
      CALLER,
    );
    expect(again.bmc).toMatchObject({ address: '10.0.0.5', system_path: '/redfish/v1/Systems/1', password: first.bmc!.password });
    const masked = await setHostBmc(
      deps,
      'host00000001',
      { driver: 'ipmi', address: '10.0.0.5', username: 'root', password: '***' },
      CALLER,
    );
    expect(masked.bmc?.password).toBe(first.bmc!.password);
    // A password typed for 10.0.0.5 is not carried to another address, port or driver.
    for (const moved of [{ address: '10.0.0.6' }, { port: 6230 }, { driver: 'redfish' as const }]) {
      await expect(
        setHostBmc(deps, 'host00000001', { driver: 'ipmi', address: '10.0.0.5', username: 'root', password: '', ...moved }, CALLER),
      ).rejects.toMatchObject({ code: 'VALIDATION', field: 'bmc.password' });
    }
    expect((await deps.store.hosts.get('host00000001'))?.bmc).toMatchObject({ address: '10.0.0.5', password: first.bmc!.password });
    await deps.store.hosts.save(host('host00000002', '02:00:00:00:00:02'));
    await expect(setHostBmc(deps, 'host00000002', { driver: 'ipmi', address: '10.0.0.7', username: 'root' }, CALLER)).rejects.toMatchObject(
      {
        code: 'VALIDATION',
        field: 'bmc.password',
      },
    );
  });

  it('When the user is left blank, then the host has no credentials of its own (a set gives them)', async () => {
    const deps = await withHost();
    await saveCredentialSet(deps, { name: 'rack-a', username: 'root', password: PASSWORD }, 'create', 'alice');
    await setHostBmc(deps, 'host00000001', { driver: 'ipmi', address: '10.0.0.5', username: 'root', password: PASSWORD }, CALLER);
    const h = await setHostBmc(
      deps,
      'host00000001',
      { driver: 'ipmi', address: '10.0.0.5', username: '', password: '', credentials: 'rack-a' },
      CALLER,
    );
    expect(h.bmc).not.toHaveProperty('username');
    expect(h.bmc).not.toHaveProperty('password');
    expect(h.bmc?.credentials).toBe('rack-a');
    await expect(setHostBmc(deps, 'host00000001', { driver: 'ipmi', address: '10.0.0.5', password: 'x' }, CALLER)).rejects.toMatchObject({
      field: 'bmc.username',
    });
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['driver', { driver: 'telnet', address: '10.0.0.5' }, 'bmc.driver'],
    ['address with a space', { driver: 'ipmi', address: 'bmc one' }, 'bmc.address'],
    ['address with a shell character', { driver: 'ipmi', address: '10.0.0.5;reboot' }, 'bmc.address'],
    ['address as a URL', { driver: 'redfish', address: 'https://10.0.0.5/' }, 'bmc.address'],
    ['port 0', { driver: 'ipmi', address: '10.0.0.5', port: 0 }, 'bmc.port'],
    ['port 65536', { driver: 'ipmi', address: '10.0.0.5', port: 65536 }, 'bmc.port'],
    ['port as text', { driver: 'ipmi', address: '10.0.0.5', port: '623x' }, 'bmc.port'],
    ['username over 64', { driver: 'ipmi', address: '10.0.0.5', username: 'u'.repeat(65), password: 'p' }, 'bmc.username'],
    ['username with a newline', { driver: 'ipmi', address: '10.0.0.5', username: 'ro\not', password: 'p' }, 'bmc.username'],
    ['password over 128', { driver: 'ipmi', address: '10.0.0.5', username: 'root', password: 'p'.repeat(129) }, 'bmc.password'],
    ['unknown credential set', { driver: 'ipmi', address: '10.0.0.5', credentials: 'ghost' }, 'bmc.credentials'],
    ['system path elsewhere', { driver: 'redfish', address: '10.0.0.5', system_path: '/redfish/v1/Managers/1' }, 'bmc.system_path'],
    ['system path going up', { driver: 'redfish', address: '10.0.0.5', system_path: '/redfish/v1/Systems/..' }, 'bmc.system_path'],
    ['relative CA file', { driver: 'redfish', address: '10.0.0.5', ca_file: 'ca.pem' }, 'bmc.ca_file'],
    ['missing CA file', { driver: 'redfish', address: '10.0.0.5', ca_file: '/nonexistent/ca.pem' }, 'bmc.ca_file'],
    ['unknown field', { driver: 'ipmi', address: '10.0.0.5', shell: 'rm -rf /' }, 'bmc.shell'],
  ];
  for (const [what, body, field] of bad)
    it(`When the ${what} is wrong, then it is refused naming ${field}, and the stored BMC is unchanged`, async () => {
      const deps = await withHost();
      const before = await setHostBmc(
        deps,
        'host00000001',
        { driver: 'ipmi', address: '10.0.0.1', username: 'root', password: PASSWORD },
        CALLER,
      );
      await expect(setHostBmc(deps, 'host00000001', body, CALLER)).rejects.toMatchObject({
        code: expect.stringMatching(/VALIDATION|CREDENTIALS_NOT_FOUND/),
        field,
      });
      expect((await deps.store.hosts.get('host00000001'))?.bmc).toEqual(before.bmc);
    });

  it('When the address is an IPv6 address or a DNS name, then it is taken', async () => {
    const deps = await withHost();
    for (const address of ['fe80::1', '2001:db8::5', 'bmc-7.rack3.example.org', '10.0.0.5'])
      expect((await setHostBmc(deps, 'host00000001', { driver: 'ipmi', address }, CALLER)).bmc?.address).toBe(address);
  });

  it('When the CA file holds no PEM, or cannot be read, then it is refused; a readable PEM file is taken', async () => {
    const deps = await withHost();
    const dir = await tempDir('kickstand-ca-');
    const good = path.join(dir, 'ca.pem');
    const junk = path.join(dir, 'junk.pem');
    const locked = path.join(dir, 'locked.pem');
    await writeFile(good, PEM);
    await writeFile(junk, 'not a certificate');
    await writeFile(locked, PEM);
    await chmod(locked, 0o000);
    const set = (ca_file: string) => setHostBmc(deps, 'host00000001', { driver: 'redfish', address: '10.0.0.5', ca_file }, CALLER);
    expect((await set(good)).bmc?.ca_file).toBe(good);
    await expect(set(junk)).rejects.toThrow('bmc.ca_file holds no PEM certificate');
    await expect(set(dir)).rejects.toThrow('bmc.ca_file is not a regular file');
    // A device that never ends is refused at once, not read.
    await expect(set('/dev/zero')).rejects.toThrow('bmc.ca_file is not a regular file');
    // root reads any file: the unreadable case only means something for other users.
    if (process.getuid?.() !== 0) await expect(set(locked)).rejects.toThrow('bmc.ca_file cannot be read (EACCES)');
  });

  it('When the host does not exist, then HOST_NOT_FOUND', async () => {
    const deps = bmcDeps();
    await expect(setHostBmc(deps, 'nohost', { driver: 'ipmi', address: '10.0.0.5' }, CALLER)).rejects.toMatchObject({
      code: 'HOST_NOT_FOUND',
    });
  });
});

describe('clearHostBmc', () => {
  it('When the BMC is cleared, then it and the last power state are gone, and the timeline and audit say so', async () => {
    const deps = await withHost();
    await setHostBmc(deps, 'host00000001', { driver: 'ipmi', address: '10.0.0.5', username: 'root', password: PASSWORD }, CALLER);
    const h = await clearHostBmc(deps, 'host00000001', CALLER);
    expect(h.bmc).toBeUndefined();
    expect((await deps.store.hosts.get('host00000001'))?.bmc).toBeUndefined();
    expect(h.events.at(-1)).toMatchObject({ type: 'bmc-set', message: 'BMC cleared' });
    expect((await deps.store.audit.list())[0]).toMatchObject({ action: 'host.bmc.clear', target: 'host00000001' });
  });
});
