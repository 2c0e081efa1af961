// A restart under live machines: 100 real %pre scripts (the stub the service serves, run by bash under
// the installer's commands, each with its own fabricated NIC and DMI) register and poll every 2 s; the
// service stops for 20 s and comes back on the same port and data dir; an admin then assigns all 100,
// each its own hostname and params. Every script must finish with its own kickstart in its %include
// file, without registering twice, and the store must hold exactly 100 hosts.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extractPre, preWorkspace, runPre, type PreRun, type PreWorkspace } from '../support/pre-script.js';
import { makeRestrictedPath } from '../support/restricted-path.js';
import { fakeMachine, type FakeMachine } from '../support/fake-machine.js';
import { freePort, startServiceProcess, type ServiceProcess } from '../support/service-process.js';

const MACHINES = 100;
const POLL_INTERVAL = 2;
const OUTAGE_MS = 20_000;
/** Machines boot over this long (a rack powering on), not all in one instant. */
const SPREAD_MS = 10_000;

const FINAL_TEMPLATE = 'fault-final.ks.njk';
const FINAL_SOURCE = `# restart-live kickstart for {{ host.id }}
url --url={{ params.repo }}
network --bootproto=dhcp --device={{ host.boot_mac }} --hostname={{ host.hostname }}
rootpw --iscrypted {{ params.root_password_hash }}
%post
echo {{ params.rack | shellquote }} {{ facts.dmi.serial | shellquote }} {{ facts.dmi.uuid | shellquote }}
%end
`;

type Json = Record<string, any>;

interface Machine {
  n: number;
  fake: FakeMachine;
  ws: PreWorkspace;
  run: PreRun;
  hostname: string;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

describe('service restart under live machines', () => {
  it(`When ${MACHINES} machines poll and the service stops for ${OUTAGE_MS / 1000} s and comes back on the same port, then each gets its own kickstart once assigned, and the store holds ${MACHINES} hosts`, async () => {
    const t0 = performance.now();
    const root = await mkdtemp(path.join(os.tmpdir(), 'kickstand-restart-live-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const templatesDir = path.join(root, 'kickstarts');
    await cp(path.resolve('kickstarts'), templatesDir, { recursive: true });
    await writeFile(path.join(templatesDir, FINAL_TEMPLATE), FINAL_SOURCE);
    const dataDir = path.join(root, 'data');
    const port = await freePort();
    // 100 machines behind one address here (each has its own on a real network): no per-IP limit.
    const options = { dataDir, port, templatesDir, pollInterval: POLL_INTERVAL, env: { KICKSTAND_REGISTER_LIMIT: '0' } };
    let svc: ServiceProcess = await startServiceProcess(options);
    cleanups.push(() => svc.kill('SIGKILL'));

    const pre = extractPre(await (await fetch(`${svc.url}/ks`)).text());
    expect(pre).toContain(`KICKSTAND_URL='${svc.url}'`);
    // No dmidecode: on a box that has it, a DMI file missing from the fake sysfs would read the real one.
    const bin = await makeRestrictedPath({ without: ['dmidecode'] });
    cleanups.push(() => bin.cleanup());

    const machines: Machine[] = [];
    cleanups.push(async () => {
      for (const m of machines) if (m.run.child.exitCode === null) m.run.child.kill('SIGKILL');
      await Promise.all(machines.map((m) => m.run.exited));
    });
    for (let n = 1; n <= MACHINES; n++) {
      const fake = await fakeMachine(path.join(root, `m${n}`), n);
      const ws = await preWorkspace(pre, fake.cmdline);
      const run = runPre(ws.script, bin.binDir, { ...ws.env, KICKSTAND_SYSFS: fake.sysfs, KICKSTAND_LINK_WAIT: '1' });
      machines.push({ n, fake, ws, run, hostname: `node-${String(n).padStart(3, '0')}.rack7.example.com` });
      await sleep(SPREAD_MS / MACHINES);
    }

    const hosts = async () => ((await (await svc.admin('GET', '/api/v1/hosts')).json()) as { hosts: Json[] }).hosts;
    await until(`${MACHINES} machines waiting`, () => machines.every((m) => m.run.stderr().includes('waiting for an assignment')), 60_000);
    const registered = await hosts();
    expect(registered).toHaveLength(MACHINES);
    const tRegistered = performance.now();

    // The outage: a clean stop (as systemctl restart does), 20 s with nothing on the port.
    expect(await svc.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    await sleep(OUTAGE_MS);
    expect(
      machines.filter((m) => m.run.child.exitCode !== null).map((m) => m.fake.mac),
      'scripts that gave up during the outage',
    ).toEqual([]);
    const failedPolls = machines.filter((m) => /polling failed: .*(refused|connect)/i.test(m.run.stderr())).length;
    expect(failedPolls).toBe(MACHINES);

    svc = await startServiceProcess(options);
    const tBack = performance.now();
    const byMac = new Map((await hosts()).map((h) => [h.boot_mac as string, h]));
    expect(byMac.size).toBe(MACHINES);
    const answers = await Promise.all(
      machines.map(async (m) => {
        const host = byMac.get(m.fake.mac);
        expect(host, m.fake.mac).toBeDefined();
        const res = await svc.admin('POST', `/api/v1/hosts/${host!.id}/assignment`, {
          action: 'kickstart',
          template: FINAL_TEMPLATE,
          hostname: m.hostname,
          params: { repo: `http://127.0.0.1:1/rhel9/${m.n}`, root_password_hash: `$6$fault${m.n}$xyz`, rack: `rack7-u${m.n}` },
        });
        return { m, status: res.status, body: await res.text() };
      }),
    );
    expect(answers.filter((a) => a.status !== 200).map((a) => `${a.m.fake.mac}: ${a.status} ${a.body}`)).toEqual([]);

    // Each script comes back on its own backoff (at most ~60 s after an outage this long).
    await until('every script to exit', () => machines.every((m) => m.run.child.exitCode !== null), 120_000);
    const tDone = performance.now();
    expect(
      machines
        .filter((m) => m.run.child.exitCode !== 0)
        .map((m) => `${m.fake.mac}: exit ${m.run.child.exitCode}\n${m.run.stderr().slice(-2000)}`),
    ).toEqual([]);

    for (const m of machines) {
      const host = byMac.get(m.fake.mac)!;
      const preview = await (await svc.admin('GET', `/api/v1/hosts/${host.id}/kickstart`)).text();
      const ks = await readFile(m.ws.ksOut, 'utf8');
      expect(ks, m.fake.mac).toBe(preview);
      expect(ks).toContain(`# restart-live kickstart for ${host.id}\n`);
      expect(ks).toContain(`--device=${m.fake.mac} --hostname=${m.hostname}\n`);
      expect(ks).toContain(`echo 'rack7-u${m.n}' '${m.fake.serial}' '${m.fake.uuid}'\n`);
      // The token survived the restart: the script never had to register again.
      expect(m.run.stderr().match(/registered as host/g), m.fake.mac).toHaveLength(1);
    }
    const after = await hosts();
    expect(after).toHaveLength(MACHINES);
    expect(new Set(after.map((h) => h.id)).size).toBe(MACHINES);
    expect(new Set(after.map((h) => h.boot_mac))).toEqual(new Set(machines.map((m) => m.fake.mac)));
    expect(new Set(after.map((h) => h.state))).toEqual(new Set(['provisioning']));
    expect(new Set(after.map((h) => h.hostname)).size).toBe(MACHINES);

    const s = (a: number, b: number) => Math.round((b - a) / 100) / 10;
    const summary = {
      machines: MACHINES,
      pollInterval: POLL_INTERVAL,
      outageS: OUTAGE_MS / 1000,
      registeredS: s(t0, tRegistered),
      restartMs: Math.round(svc.startupMs),
      allKickstartsS: s(tBack, tDone),
      exits0: machines.filter((m) => m.run.child.exitCode === 0).length,
      hosts: after.length,
      duplicates: 0,
      totalS: s(t0, performance.now()),
    };
    console.log(
      `restart-live: ${summary.exits0}/${MACHINES} scripts wrote their own kickstart; ${summary.hosts} hosts, duplicates 0; all registered ${summary.registeredS} s after the first boot; after ${summary.outageS} s down, restart ${summary.restartMs} ms, all kickstarts delivered ${summary.allKickstartsS} s after the restart`,
    );
    const dir = path.join(os.tmpdir(), 'kickstand-faults');
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, 'restart-live.json'),
      `${JSON.stringify({ at: new Date().toISOString(), cores: os.availableParallelism(), ...summary }, null, 2)}\n`,
    );
    await svc.kill('SIGTERM');
  });
});
