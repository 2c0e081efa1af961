// End to end, with the real stub and its real %pre: a machine whose boot entry says
// kickstand.profile=NAME gets that profile only when NAME is bootable; otherwise the rules decide.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootStub, exitOf } from '../support/pre-script.js';
import { startTestServer, type TestServer } from '../support/server.js';

type Json = Record<string, unknown>;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A service with auto-provisioning on, a bootable and a not-bootable profile, and a rule for all. */
async function service(): Promise<{ srv: TestServer; admin: (method: string, route: string, body?: object) => Promise<Json> }> {
  const templatesDir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-e2e-tpl-'));
  cleanups.push(() => rm(templatesDir, { recursive: true, force: true }));
  await cp(path.resolve('kickstarts'), templatesDir, { recursive: true });
  await writeFile(path.join(templatesDir, 'e2e-final.ks.njk'), '# final for {{ host.id }} from {{ params.from }}\n');
  const srv = await startTestServer({ templatesDir, pollInterval: 1 });
  cleanups.push(() => srv.stop());
  const admin = async (method: string, route: string, body?: object) => {
    const res = await fetch(`${srv.url}${route}`, {
      method,
      headers: { Authorization: `Bearer ${srv.adminToken}`, 'Content-Type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    expect(res.status, `${method} ${route}`).toBeLessThan(300);
    return (await res.json()) as Json;
  };
  await admin('POST', '/api/v1/profiles', {
    name: 'el9-web',
    action: 'kickstart',
    template: 'e2e-final.ks.njk',
    params: { from: 'boot-entry' },
    bootable: true,
  });
  await admin('POST', '/api/v1/profiles', {
    name: 'wipe-all',
    action: 'kickstart',
    template: 'e2e-final.ks.njk',
    params: { from: 'wipe-all' },
  });
  await admin('POST', '/api/v1/profiles', { name: 'by-rule', action: 'kickstart', template: 'e2e-final.ks.njk', params: { from: 'rule' } });
  await admin('POST', '/api/v1/rules', { name: 'everyone', expression: 'memory_mib > 1', profile: 'by-rule' });
  await admin('PATCH', '/api/v1/settings', { auto_provision: true });
  return { srv, admin };
}

/** Boots the served stub's %pre with this kernel command line; resolves with the final kickstart. */
async function boot(srv: TestServer, cmdline: string): Promise<string> {
  const { ws, run } = await bootStub(srv.url, cleanups, cmdline);
  expect((await exitOf(run, 40_000)).code, run.stderr()).toBe(0);
  return readFile(ws.ksOut, 'utf8');
}

describe('kickstand.profile= with the real %pre', () => {
  it('When the boot entry names a bootable profile, then the machine installs with it', async () => {
    const { srv, admin } = await service();
    const final = await boot(srv, 'BOOT_IMAGE=vmlinuz inst.ks=http://127.0.0.1/ks kickstand.profile=el9-web');
    expect(final).toMatch(/^# final for \S+ from boot-entry\n$/);
    const [host] = (await admin('GET', '/api/v1/hosts')).hosts as Json[];
    expect(((await admin('GET', `/api/v1/hosts/${String(host!.id)}`)).assignment as Json).profile).toBe('el9-web');
  });

  it('When the boot entry names a profile that is not bootable, then the machine gets what the rules say', async () => {
    const { srv, admin } = await service();
    const final = await boot(srv, 'BOOT_IMAGE=vmlinuz inst.ks=http://127.0.0.1/ks kickstand.profile=wipe-all');
    expect(final).toMatch(/^# final for \S+ from rule\n$/);
    const [host] = (await admin('GET', '/api/v1/hosts')).hosts as Json[];
    const full = await admin('GET', `/api/v1/hosts/${String(host!.id)}`);
    expect((full.assignment as Json).profile).toBe('by-rule');
    expect((full.events as Json[]).some((e) => e.type === 'boot-profile-ignored')).toBe(true);
  });
});
