// The whole way with no click: an admin announced a machine by its serial with a hostname, a profile and
// provision:true; the real stub %pre the service serves runs on that machine (a fabricated sysfs for its
// NIC and DMI, the installer's commands on a restricted PATH), registers, and its next poll receives
// the kickstart rendered with the record's hostname. docs/inventory.md#expected-hosts-matching-claim-provisioning-ambiguity.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeMachine } from '../support/fake-machine.js';
import { exitOf, extractPre, preWorkspace, runPre } from '../support/pre-script.js';
import { makeRestrictedPath } from '../support/restricted-path.js';
import { startTestServer } from '../support/server.js';

const TEMPLATE = 'expected.ks.njk';
const SOURCE = `# expected-host kickstart for {{ host.id }}
network --bootproto=dhcp --device={{ host.boot_mac }} --hostname={{ host.hostname }}
%post
echo {{ params.rack | shellquote }} {{ facts.dmi.serial | shellquote }}
%end
`;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe('an expected host claimed by the real %pre', () => {
  it('When a machine matching a provision:true record boots discovery, then it registers, takes the record and its poll receives the kickstart as that hostname, with no click', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'kickstand-expected-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const templatesDir = path.join(root, 'kickstarts');
    await cp(path.resolve('kickstarts'), templatesDir, { recursive: true });
    await writeFile(path.join(templatesDir, TEMPLATE), SOURCE);
    const srv = await startTestServer({ templatesDir });
    cleanups.push(() => srv.stop());
    const store = srv.running.deps.store;
    expect((await store.settings.get()).auto_provision).toBe(false);

    const admin = { Authorization: `Bearer ${srv.adminToken}`, 'Content-Type': 'application/json' };
    const profile = await fetch(`${srv.url}/api/v1/profiles`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'rack7', action: 'kickstart', template: TEMPLATE, params: { rack: 'rack7' } }),
    });
    expect(profile.status).toBe(201);

    const machine = await fakeMachine(path.join(root, 'm1'), 1);
    const at = new Date().toISOString();
    await store.expectedHosts.save({
      id: 'eh-rack7-u01',
      // Lower case in the packing list, upper case in the firmware: matched all the same.
      match: { serial: machine.serial.toLowerCase() },
      hostname: 'rack7-u01.example.com',
      profile: 'rack7',
      params: { rack: 'rack7-u01' },
      tags: ['rack7'],
      provision: true,
      created_at: at,
      updated_at: at,
    });

    const pre = await preWorkspace(extractPre(await (await fetch(`${srv.url}/ks`)).text()), `${machine.cmdline} kickstand.deadline=60`);
    cleanups.push(() => pre.cleanup());
    // No dmidecode: on a box that has it, a DMI file missing from the fake sysfs would read the real one.
    const bin = await makeRestrictedPath({ without: ['dmidecode'] });
    cleanups.push(() => bin.cleanup());
    const run = runPre(pre.script, bin.binDir, { ...pre.env, KICKSTAND_SYSFS: machine.sysfs, KICKSTAND_LINK_WAIT: '1' });
    cleanups.push(async () => {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await run.exited;
    });

    // It exits once it has its kickstart: nobody assigns anything here.
    const exit = await exitOf(run, 60_000);
    expect(exit.code, run.stderr().slice(-3000)).toBe(0);
    expect(run.stderr().match(/registered as host/g)).toHaveLength(1);

    const hosts = await store.hosts.list();
    expect(hosts).toHaveLength(1);
    const host = hosts[0]!;
    expect(host.boot_mac).toBe(machine.mac);
    expect(host).toMatchObject({
      state: 'provisioning',
      hostname: 'rack7-u01.example.com',
      tags: ['rack7'],
      expected: { id: 'eh-rack7-u01', matched_by: ['serial'] },
    });
    expect(host.assignment).toMatchObject({ action: 'kickstart', template: TEMPLATE, profile: 'rack7' });
    expect(host.events.map((e) => e.type)).toEqual(expect.arrayContaining(['discovered', 'expected-claimed', 'assigned', 'delivered']));
    expect(host.events.find((e) => e.type === 'assigned')!.actor).toBe('expected-host');
    expect((await store.expectedHosts.get('eh-rack7-u01'))!.claimed_by).toBe(host.id);

    const ks = await readFile(pre.ksOut, 'utf8');
    expect(ks).toContain(`# expected-host kickstart for ${host.id}\n`);
    expect(ks).toContain(`--device=${machine.mac} --hostname=rack7-u01.example.com\n`);
    // The record's params over the profile's.
    expect(ks).toContain(`echo 'rack7-u01' '${machine.serial}'\n`);
  });
});
