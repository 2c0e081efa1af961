// End to end with rules: a profile and a rule exist, auto-provisioning is on, the real %pre registers
// this machine and receives its kickstart without anyone touching the host.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootStub } from '../support/pre-script.js';
import { startTestServer } from '../support/server.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('rules end to end', () => {
  it('When a rule matches the machine that runs the stub, then it installs with the rule’s hostname and nobody assigns it', async () => {
    const templatesDir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-e2e-tpl-'));
    cleanups.push(() => rm(templatesDir, { recursive: true, force: true }));
    await cp(path.resolve('kickstarts'), templatesDir, { recursive: true });
    const srv = await startTestServer({ templatesDir, pollInterval: 1 });
    cleanups.push(() => srv.stop());
    const admin = (method: string, route: string, body?: object) =>
      fetch(`${srv.url}${route}`, {
        method,
        headers: { Authorization: `Bearer ${srv.adminToken}`, 'Content-Type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });

    expect(
      (
        await admin('POST', '/api/v1/profiles', {
          name: 'lab',
          action: 'kickstart',
          template: 'rhel.ks.njk',
          params: { repo: 'http://127.0.0.1:1/repo', version: '9', root_password_hash: '$6$abc$xyz' },
        })
      ).status,
    ).toBe(201);
    // Matches any machine that reported at least one NIC and some memory: this one.
    expect(
      (
        await admin('POST', '/api/v1/rules', {
          name: 'lab-all',
          expression: 'memory_mib > 0 and count(nics) >= 1',
          profile: 'lab',
          hostname_pattern: 'lab-{{ seq(3) }}.example.com',
        })
      ).status,
    ).toBe(201);
    expect((await admin('PATCH', '/api/v1/settings', { auto_provision: true })).status).toBe(200);

    const { ws, run } = await bootStub(srv.url, cleanups);

    const exit = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r('timeout'), 40_000))]);
    expect(exit, run.stderr()).toEqual({ code: 0, signal: null });
    const { hosts } = (await (await admin('GET', '/api/v1/hosts')).json()) as { hosts: { id: string; hostname: string; state: string }[] };
    expect(hosts).toHaveLength(1);
    expect(hosts[0]).toMatchObject({ hostname: 'lab-001.example.com', state: 'provisioning' });
    const host = (await (await admin('GET', `/api/v1/hosts/${hosts[0]!.id}`)).json()) as { events: { type: string; actor: string }[] };
    expect(host.events.map((e) => `${e.type}/${e.actor}`)).toEqual(['discovered/machine', 'assigned/rule lab-all', 'delivered/machine']);
    // The shipped RHEL template, rendered for this machine's own facts, landed byte for byte.
    const preview = await (await admin('GET', `/api/v1/hosts/${hosts[0]!.id}/kickstart`)).text();
    expect(preview).toContain('network --device=');
    expect(preview).toContain('--hostname=lab-001.example.com');
    expect(await readFile(ws.ksOut, 'utf8')).toBe(preview);
  });
});
