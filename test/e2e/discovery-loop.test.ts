// End to end: the stub the real service serves, its %pre run by bash under the installer's commands on
// this machine, the real discovery API, an admin assigning each action, and a service restart midway.
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import {
  defaultRouteDev,
  exitOf,
  extractPre,
  extractSection,
  machineFacts,
  preWorkspace,
  runPre,
  type PreRun,
  type PreWorkspace,
} from '../support/pre-script.js';
import { makeRestrictedPath, type RestrictedPath } from '../support/restricted-path.js';
import { startTestServer, type TestServer } from '../support/server.js';

// The final kickstart the admin assigns. Written by the test into a copy of ./kickstarts (the stub and
// its shell are the shipped ones), so the byte-for-byte check does not depend on a shipped template.
const FINAL_TEMPLATE = 'e2e-final.ks.njk';
const FINAL_SOURCE = `# e2e final kickstart for {{ host.id }}
url --url={{ params.repo }}
network --bootproto=dhcp --device={{ host.boot_mac }} --hostname={{ host.hostname }}
rootpw --iscrypted {{ params.root_password_hash }}
%post
echo {{ facts.arch | shellquote }} {{ host.boot_nic | shellquote }} {{ facts.cpu.model | shellquote }}
%end
`;

type Json = Record<string, any>;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Scene {
  srv: TestServer;
  templatesDir: string;
  stub: string;
  ws: PreWorkspace;
  bin: RestrictedPath;
  run: PreRun;
  admin(method: string, route: string, body?: object): Promise<Response>;
}

async function scene(
  opts: { cmdline?: string; stubs?: Record<string, string>; before?: (srv: TestServer) => Promise<void> } = {},
): Promise<Scene> {
  const templatesDir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-e2e-tpl-'));
  cleanups.push(() => rm(templatesDir, { recursive: true, force: true }));
  await cp(path.resolve('kickstarts'), templatesDir, { recursive: true });
  await writeFile(path.join(templatesDir, FINAL_TEMPLATE), FINAL_SOURCE);
  // Our own data dir, removed after the test (a restart in the test reuses it).
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-e2e-data-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const srv = await startTestServer({ templatesDir, dataDir, pollInterval: 1 });
  const state = { srv };
  cleanups.push(() => state.srv.stop().catch(() => undefined));

  // What must exist before the machine boots (another host with its MAC, a boot key).
  await opts.before?.(srv);
  const res = await fetch(`${srv.url}/ks`);
  expect(res.status).toBe(200);
  const stub = await res.text();
  const ws = await preWorkspace(extractPre(stub), opts.cmdline);
  cleanups.push(() => ws.cleanup());
  const bin = await makeRestrictedPath(opts.stubs ? { stubs: opts.stubs } : {});
  cleanups.push(() => bin.cleanup());
  const run = runPre(ws.script, bin.binDir, { ...ws.env, KICKSTAND_LINK_WAIT: '1' });
  cleanups.push(async () => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await run.exited;
  });
  const s: Scene = {
    get srv() {
      return state.srv;
    },
    set srv(v) {
      state.srv = v;
    },
    templatesDir,
    stub,
    ws,
    bin,
    run,
    admin: (method, route, body) =>
      fetch(`${state.srv.url}${route}`, {
        method,
        headers: { Authorization: `Bearer ${state.srv.adminToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }),
  };
  return s;
}

/** The one host this machine registered as, once it is there. */
async function waitForHost(s: Scene, timeout = 20_000): Promise<Json> {
  let host: Json | undefined;
  await expect
    .poll(
      async () => {
        const list = (await (await s.admin('GET', '/api/v1/hosts')).json()) as { hosts: Json[] };
        host = list.hosts[0];
        return list.hosts.length;
      },
      { timeout, interval: 200 },
    )
    .toBe(1);
  return host!;
}

const exited = (s: Scene, timeoutMs = 40_000) => exitOf(s.run, timeoutMs);

async function assign(s: Scene, id: string, body: object): Promise<void> {
  const res = await s.admin('POST', `/api/v1/hosts/${id}/assignment`, body);
  expect(res.status, await res.clone().text()).toBe(200);
}

const kickstartAssignment = {
  action: 'kickstart',
  template: FINAL_TEMPLATE,
  hostname: 'node1.example.com',
  params: { repo: 'http://127.0.0.1:1/repo', root_password_hash: '$6$abc$xyz' },
};

const FALLBACK = /^# Kickstand fallback, [\d-]+ [\d:]+: .*\n# No commands on purpose/;

describe('discovery end to end', () => {
  it('When the served stub runs on this machine, then the host appears with this machine’s facts, and a kickstart assignment lands byte for byte', async () => {
    const s = await scene();
    expect(s.stub).toContain(`KICKSTAND_URL='${s.srv.url}'`);
    const listed = await waitForHost(s);
    expect(listed.state).toBe('discovered');

    const host = (await (await s.admin('GET', `/api/v1/hosts/${listed.id}`)).json()) as Json;
    const machine = machineFacts();
    const facts = host.facts as Json;
    expect(facts.nics.map((n: Json) => ({ name: n.name, mac: n.mac }))).toEqual(machine.nics);
    const routeDev = defaultRouteDev();
    expect(facts.boot_mac).toBe(machine.nics.find((n) => n.name === routeDev)?.mac ?? machine.nics[0]!.mac);
    expect(host.boot_mac).toBe(facts.boot_mac);
    expect(facts.memory_mib).toBe(machine.memoryMib);
    expect(facts.arch).toBe(machine.arch);
    expect(facts.disks.map((d: Json) => d.name)).toEqual(machine.disks);
    expect(facts.kexec).toEqual({ available: true, path: path.join(s.bin.binDir, 'kexec') });

    await assign(s, listed.id, kickstartAssignment);
    expect(await exited(s)).toEqual({ code: 0, signal: null });
    const preview = await (await s.admin('GET', `/api/v1/hosts/${listed.id}/kickstart`)).text();
    expect(preview).toContain(`network --bootproto=dhcp --device=${facts.boot_mac} --hostname=node1.example.com`);
    expect(await readFile(s.ws.ksOut, 'utf8')).toBe(preview);
    const after = (await (await s.admin('GET', `/api/v1/hosts/${listed.id}`)).json()) as Json;
    expect(after.state).toBe('provisioning');
    expect(s.run.stderr()).not.toMatch(/command not found/);
  });

  it('When kexec is assigned, then the served kernel and initrd are loaded with the append line and systemctl kexec runs', async () => {
    const kernel = Buffer.from(`MZ e2e kernel ${Date.now()}\x00\xff`, 'latin1');
    const initrd = Buffer.from(`070701 e2e initrd ${Date.now()}`, 'latin1');
    const files = http.createServer((req, res) => {
      const body = req.url === '/vmlinuz' ? kernel : req.url === '/initrd.img' ? initrd : undefined;
      res.writeHead(body ? 200 : 404).end(body ?? 'not found');
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => files.close(r)));
    const base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;

    const s = await scene();
    const host = await waitForHost(s);
    await assign(s, host.id, {
      action: 'kexec',
      kernel: `${base}/vmlinuz`,
      initrd: `${base}/initrd.img`,
      append: 'console=ttyS0 inst.text',
    });
    expect((await exited(s)).code).toBe(0);

    const kernelFile = path.join(s.ws.stateDir, 'kexec/kernel');
    const initrdFile = path.join(s.ws.stateDir, 'kexec/initrd');
    expect(await s.bin.calls('kexec')).toEqual([['-l', kernelFile, `--initrd=${initrdFile}`, '--append=console=ttyS0 inst.text']]);
    expect(await readFile(kernelFile)).toEqual(kernel);
    expect(await readFile(initrdFile)).toEqual(initrd);
    expect(await s.bin.calls('systemctl')).toEqual([['kexec']]);
    expect(await readFile(s.ws.ksOut, 'utf8')).toMatch(FALLBACK);
  });

  it('When reboot is assigned, then the fallback include is written and reboot is called', async () => {
    const s = await scene();
    const host = await waitForHost(s);
    await assign(s, host.id, { action: 'reboot' });
    expect((await exited(s)).code).toBe(0);
    expect(await s.bin.calls('reboot')).toEqual([[]]);
    expect(await readFile(s.ws.ksOut, 'utf8')).toMatch(FALLBACK);
  });

  it('When the service stops while the machine polls and comes back on the same port and data, then an assignment still completes', async () => {
    const s = await scene();
    const host = await waitForHost(s);
    const { port, dataDir, templatesDir } = s.srv;
    await expect.poll(() => s.run.stderr().includes('waiting for an assignment'), { timeout: 10_000 }).toBe(true);
    await s.srv.stop();
    await new Promise((r) => setTimeout(r, 3000));
    expect(s.run.child.exitCode).toBeNull();
    s.srv = await startTestServer({ port, dataDir, templatesDir, pollInterval: 1 });
    await assign(s, host.id, kickstartAssignment);
    expect((await exited(s)).code).toBe(0);
    expect(s.run.stderr()).toMatch(/polling failed: .*(refused|connect)/i);
    const preview = await (await s.admin('GET', `/api/v1/hosts/${host.id}/kickstart`)).text();
    expect(await readFile(s.ws.ksOut, 'utf8')).toBe(preview);
  });

  it('When an admin deletes the waiting host, then the machine registers again as a new host and can be assigned', async () => {
    const s = await scene();
    const first = await waitForHost(s);
    expect((await s.admin('DELETE', `/api/v1/hosts/${first.id}`)).status).toBe(204);
    let second: Json | undefined;
    await expect
      .poll(
        async () => {
          const { hosts } = (await (await s.admin('GET', '/api/v1/hosts')).json()) as { hosts: Json[] };
          second = hosts[0];
          return second?.id;
        },
        { timeout: 15_000, interval: 200 },
      )
      .not.toBe(undefined);
    expect(second!.id).not.toBe(first.id);
    expect(second!.boot_mac).toBe(first.boot_mac);
    await assign(s, second!.id, kickstartAssignment);
    expect((await exited(s)).code).toBe(0);
    expect(await readFile(s.ws.ksOut, 'utf8')).toContain(`e2e final kickstart for ${second!.id}`);
    expect(s.run.stderr()).toMatch(/does not know host \S+ any more \(HTTP 401\)/);
  });

  it('When nobody assigns the host before kickstand.deadline=3, then the fallback include is written and the script exits 0', async () => {
    const t0 = Date.now();
    const s = await scene({ cmdline: 'inst.ks=http://127.0.0.1/ks kickstand.deadline=3' });
    await waitForHost(s);
    expect(await exited(s, 15_000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2500);
    expect(await readFile(s.ws.ksOut, 'utf8')).toMatch(FALLBACK);
    expect(await s.bin.calls('reboot')).toEqual([]);
  });

  it('When the machine runs the whole loop, then neither its output nor its files show the host token', async () => {
    const s = await scene();
    const host = await waitForHost(s);
    await assign(s, host.id, { action: 'reboot' });
    await exited(s);
    // The service keeps only a hash, so look for what its tokens look like: 22 URL-safe characters
    // (test/http/discovery-api.test.ts). Temp folder names (kickstand-…) are not tokens.
    const tokenLike = (text: string) =>
      (text.match(/(?<![\w-])[A-Za-z0-9_-]{22}(?![\w-])/g) ?? []).filter((w) => !w.startsWith('kickstand-'));
    expect(`${s.run.stdout()}${s.run.stderr()}`).not.toMatch(/Bearer/);
    expect(tokenLike(`${s.run.stdout()}${s.run.stderr()}`)).toEqual([]);
    expect(tokenLike(await readFile(s.ws.ksOut, 'utf8'))).toEqual([]);
  });

  it('When the shipped RHEL template is installed, then its callbacks report installing (once) and installed, and the token then dies', async () => {
    const s = await scene();
    const host = await waitForHost(s);
    await assign(s, host.id, {
      action: 'kickstart',
      template: 'rhel.ks.njk',
      hostname: 'cb1.example.com',
      params: { repo: 'http://127.0.0.1:1/repo', root_password_hash: '$6$abc$xyz' },
    });
    expect(await exited(s)).toEqual({ code: 0, signal: null });
    const ks = await readFile(s.ws.ksOut, 'utf8');
    // The callback settings the %pre left for the installer: events URL and token, owner-only.
    const conf = path.join(s.ws.stateDir, 'callback.conf');
    expect((await stat(conf)).mode & 0o777).toBe(0o600);
    const confText = await readFile(conf, 'utf8');
    expect(confText).toMatch(
      new RegExp(`^url = "${s.srv.url}/api/v1/discovery/${host.id}/events"\nheader = "Authorization: Bearer [A-Za-z0-9_-]{22}"\n$`),
    );
    const token = /Bearer ([A-Za-z0-9_-]+)/.exec(confText)![1]!;
    expect(ks).not.toContain(token);

    const script = async (header: string, env: Record<string, string> = {}) => {
      const file = path.join(s.ws.dir, `section-${header.replace(/\W+/g, '-')}`);
      await writeFile(file, extractSection(ks, header));
      const run = runPre(file, s.bin.binDir, { KICKSTAND_CALLBACK_CONF: conf, ...env });
      expect(await exitOf(run, 20_000), run.stderr()).toEqual({ code: 0, signal: null });
      return run;
    };
    const timeline = async () =>
      ((await (await s.admin('GET', `/api/v1/hosts/${host.id}`)).json()) as Json).events.map((e: Json) => e.type);

    await script('%pre-install');
    await script('%pre-install'); // a retry: the same boot, the same event id
    expect((await timeline()).filter((t: string) => t === 'installing')).toHaveLength(1);
    await script('%post --nochroot');
    const after = (await (await s.admin('GET', `/api/v1/hosts/${host.id}`)).json()) as Json;
    expect(after.state).toBe('installed');
    expect(after.events.at(-1)).toMatchObject({ type: 'installed', actor: 'installer', ip: '127.0.0.1' });
    // The token is dead on every host route; a late %onerror changes nothing and still exits 0.
    const poll = await fetch(`${s.srv.url}/api/v1/discovery/${host.id}/next`, { headers: { Authorization: `Bearer ${token}` } });
    expect(poll.status).toBe(401);
    await script('%onerror');
    expect(((await (await s.admin('GET', `/api/v1/hosts/${host.id}`)).json()) as Json).state).toBe('installed');
  });

  it('When the install fails, then %onerror sends the tail of the installer logs, capped, and the host is failed with its log kept', async () => {
    const s = await scene();
    const host = await waitForHost(s);
    await assign(s, host.id, {
      action: 'kickstart',
      template: 'rhel.ks.njk',
      hostname: 'cb2.example.com',
      params: { repo: 'http://127.0.0.1:1/repo', root_password_hash: '$6$abc$xyz' },
    });
    expect(await exited(s)).toEqual({ code: 0, signal: null });
    const ks = await readFile(s.ws.ksOut, 'utf8');
    const logDir = path.join(s.ws.dir, 'logs');
    await mkdir(logDir);
    await writeFile(path.join(logDir, 'anaconda.log'), `${'x'.repeat(100_000)}\nERROR: "disk" \\ not found\t\x01\n`);
    await writeFile(path.join(logDir, 'packaging.log'), 'packaging was fine\n');
    const file = path.join(s.ws.dir, 'onerror');
    await writeFile(file, extractSection(ks, '%onerror'));
    const run = runPre(file, s.bin.binDir, {
      KICKSTAND_CALLBACK_CONF: path.join(s.ws.stateDir, 'callback.conf'),
      KICKSTAND_LOG_DIR: logDir,
    });
    expect(await exitOf(run, 20_000), run.stderr()).toEqual({ code: 0, signal: null });
    const after = (await (await s.admin('GET', `/api/v1/hosts/${host.id}`)).json()) as Json;
    expect(after.state).toBe('failed');
    expect(after.events.at(-1).message).toMatch(/^install failed: Anaconda stopped with an error \(\d+ bytes of log kept\)$/);
    const log = await (await s.admin('GET', `/api/v1/hosts/${host.id}/install-log`)).text();
    expect(log.length).toBeLessThanOrEqual(49_152 + 200);
    expect(log).toContain(`==> ${logDir}/anaconda.log <==`);
    expect(log).toContain('ERROR: "disk" \\ not found\t?');
    expect(log).toContain('packaging was fine');
  });
});

describe('identity conflicts end to end (issue 13 item 2)', () => {
  // The %pre on this machine reports the MAC of its first NIC as the boot MAC (BOOTIF names it).
  const mac = () => machineFacts().nics[0]!.mac;
  const bootif = () => `BOOTIF=01-${mac().replace(/:/g, '-')}`;
  const asAdmin = (srv: TestServer, method: string, route: string, body?: object) =>
    fetch(`${srv.url}${route}`, {
      method,
      headers: { Authorization: `Bearer ${srv.adminToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  /** Another machine, registered and assigned a kickstart with a password hash, that has this machine's boot MAC. */
  async function assignedHostWithOurMac(srv: TestServer): Promise<{ id: string; token: string }> {
    const res = await fetch(`${srv.url}/api/v1/discovery`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(sampleFacts({ boot_mac: mac() })),
    });
    expect(res.status).toBe(201);
    const reg = (await res.json()) as { id: string; token: string };
    expect((await asAdmin(srv, 'POST', `/api/v1/hosts/${reg.id}/assignment`, kickstartAssignment)).status).toBe(200);
    return reg;
  }

  it("When a rogue machine's real %pre registers with an assigned host's boot MAC, then it never writes that host's kickstart: it waits on 409 until its deadline, and the host's own token still gets the answer", async () => {
    let original!: { id: string; token: string };
    const s = await scene({
      cmdline: `BOOT_IMAGE=vmlinuz ${bootif()} kickstand.deadline=12`,
      before: async (srv) => {
        original = await assignedHostWithOurMac(srv);
      },
    });
    expect((await exited(s)).code).toBe(0);
    const include = await readFile(s.ws.ksOut, 'utf8');
    expect(include).toMatch(FALLBACK);
    expect(include).not.toContain('rootpw');
    expect(s.run.stderr()).toContain('identity conflict (HTTP 409)');
    await expect(stat(path.join(s.ws.stateDir, 'callback.conf'))).rejects.toThrow();

    const host = (await (await s.admin('GET', `/api/v1/hosts/${original.id}`)).json()) as Json;
    expect(host.state).toBe('assigned');
    expect(host.boot_mac).toBe(mac());
    expect(host.events.map((e: Json) => e.type)).toEqual(expect.arrayContaining(['identity-conflict', 'conflict-refused']));
    const answer = await fetch(`${s.srv.url}/api/v1/discovery/${original.id}/next`, {
      headers: { Authorization: `Bearer ${original.token}` },
    });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('rootpw --iscrypted $6$abc$xyz');
  });

  it('When the host has a boot key and the %pre boots with kickstand.key= on its command line, then its registration is the host: it gets the kickstart, and the key is in no fact or log', async () => {
    const key = 'e2e-boot-key-0123456789abcdef';
    let original!: { id: string; token: string };
    const s = await scene({
      cmdline: `BOOT_IMAGE=vmlinuz ${bootif()} kickstand.key=${key} kickstand.deadline=30`,
      before: async (srv) => {
        original = await assignedHostWithOurMac(srv);
        expect((await asAdmin(srv, 'PUT', `/api/v1/hosts/${original.id}/boot-key`, { key })).status).toBe(200);
      },
    });
    expect((await exited(s)).code).toBe(0);
    expect(await readFile(s.ws.ksOut, 'utf8')).toContain('rootpw --iscrypted $6$abc$xyz');
    const host = (await (await s.admin('GET', `/api/v1/hosts/${original.id}`)).json()) as Json;
    expect(host.conflict).toBeUndefined();
    expect(host.state).toBe('provisioning');
    expect(host.facts.kernel.cmdline).toContain('kickstand.key=(hidden)');
    expect(JSON.stringify(host)).not.toContain(key);
    expect(s.run.stderr()).not.toContain(key);
    expect(JSON.stringify(s.srv.logs)).not.toContain(key);
  });
});
