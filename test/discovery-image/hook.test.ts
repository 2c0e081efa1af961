// The image's main (dracut/95kickstand/discover.sh) on this machine, against the real service, under
// the installer's commands with kexec recorded: it sources the stub's own shell files, takes the URL
// from kickstand.url=, and hands off through pre.sh's dispatch — kexec, reboot (SysRq), and a
// kickstart answer turned into Anaconda booted with that kickstart inside its initrd.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exitOf, runPre, type PreRun } from '../support/pre-script.js';
import { makeRestrictedPath, type RestrictedPath } from '../support/restricted-path.js';
import { startTestServer, type TestServer } from '../support/server.js';

const DISCOVER = path.resolve('dracut/95kickstand/discover.sh');
const LIB = path.resolve('kickstarts/discovery');
const FINAL_TEMPLATE = 'image-final.ks.njk';
const FINAL_SOURCE = `# final kickstart for {{ host.id }}
url --url="{{ params.repo }}"
rootpw --iscrypted {{ params.root_password_hash }}
`;
// Not a multiple of 4: the kickstart's archive must still start on a 4-byte boundary.
const INSTALLER_INITRD = Buffer.from('07070100-pretend-compressed-installer-initrd-\x00\x01\x02');
const INSTALLER_KERNEL = Buffer.from('MZ pretend installer kernel');

type Json = Record<string, any>;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Scene {
  srv: TestServer;
  dir: string;
  bin: RestrictedPath;
  run: PreRun;
  sysrq: string;
  files: { port: number; asked: string[] };
  admin(method: string, route: string, body?: object): Promise<Response>;
}

/** Serves `files` by path on 127.0.0.1 (the installer tree, the kexec kernel), recording what was asked. */
async function fileServer(files: Record<string, Buffer>): Promise<{ port: number; asked: string[] }> {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    const body = files[req.url ?? ''];
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return { port: (server.address() as AddressInfo).port, asked };
}

async function scene(cmdline: (url: string, files: string) => string, stubs: Record<string, string> = {}): Promise<Scene> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-image-hook-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const templatesDir = path.join(dir, 'kickstarts');
  await cp(path.resolve('kickstarts'), templatesDir, { recursive: true });
  await writeFile(path.join(templatesDir, FINAL_TEMPLATE), FINAL_SOURCE);
  const srv = await startTestServer({ templatesDir, dataDir: path.join(dir, 'data'), pollInterval: 1 });
  cleanups.push(() => srv.stop());
  const files = await fileServer({
    '/tree/images/pxeboot/vmlinuz': INSTALLER_KERNEL,
    '/tree/images/pxeboot/initrd.img': INSTALLER_INITRD,
    '/other/linux': Buffer.from('another kernel'),
    '/other/initrd.gz': Buffer.from('another initrd'),
  });
  // No systemctl, as in the image: pre.sh's kexec then runs kexec -e itself.
  const bin = await makeRestrictedPath({ without: ['systemctl'], stubs });
  cleanups.push(() => bin.cleanup());
  await writeFile(path.join(dir, 'cmdline'), `${cmdline(srv.url, `http://127.0.0.1:${files.port}`)}\n`);
  const sysrq = path.join(dir, 'sysrq-trigger');
  const run = runPre(DISCOVER, bin.binDir, {
    KICKSTAND_LIB: LIB,
    KICKSTAND_CMDLINE: path.join(dir, 'cmdline'),
    KICKSTAND_STATE_DIR: path.join(dir, 'state'),
    KICKSTAND_KS_OUT: path.join(dir, 'kickstand.ks'),
    KICKSTAND_SYSRQ: sysrq,
    KICKSTAND_LINK_WAIT: '1',
    KICKSTAND_LLDP_WAIT: '0',
    SAVE_DIR: dir,
  });
  cleanups.push(async () => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await run.exited;
  });
  return {
    srv,
    dir,
    bin,
    run,
    sysrq,
    files,
    admin: (method, route, body) =>
      fetch(`${srv.url}${route}`, {
        method,
        headers: { Authorization: `Bearer ${srv.adminToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }),
  };
}

async function waitForHost(s: Scene): Promise<Json> {
  let host: Json | undefined;
  await expect
    .poll(
      async () => {
        host = ((await (await s.admin('GET', '/api/v1/hosts')).json()) as { hosts: Json[] }).hosts[0];
        return host !== undefined;
      },
      { timeout: 20_000, interval: 200 },
    )
    .toBe(true);
  return (await (await s.admin('GET', `/api/v1/hosts/${host!.id}`)).json()) as Json;
}

async function assign(s: Scene, id: string, body: object): Promise<void> {
  const res = await s.admin('POST', `/api/v1/hosts/${id}/assignment`, body);
  expect(res.status, await res.clone().text()).toBe(200);
}

describe('the discovery image hook', () => {
  it('When it boots with kickstand.url= and is assigned kexec, then it registers and loads and starts the assigned kernel through pre.sh', async () => {
    const s = await scene((url) => `BOOT_IMAGE=vmlinuz ip=dhcp rd.neednet=1 kickstand.url=${url}`);
    const host = await waitForHost(s);
    expect(host.facts.kernel.cmdline).toContain(`kickstand.url=${s.srv.url}`);
    const base = `http://127.0.0.1:${s.files.port}/other`;
    await assign(s, host.id, { action: 'kexec', kernel: `${base}/linux`, initrd: `${base}/initrd.gz`, append: 'console=ttyS0 auto=true' });
    const { code } = await exitOf(s.run, 30_000);
    const calls = await s.bin.calls('kexec');
    expect(calls[0]).toEqual([
      '-l',
      expect.stringMatching(/kexec\/kernel$/),
      expect.stringMatching(/^--initrd=.*kexec\/initrd$/),
      '--append=console=ttyS0 auto=true',
    ]);
    expect(calls[1]).toEqual(['-e']);
    // The stub returned instead of replacing the kernel: the image reports it and leaves it to dracut.
    expect(code).toBe(1);
    expect(s.run.stderr()).toContain('kickstand: kexec: starting the new kernel');
    expect(s.run.stderr()).toContain('discovery ended without a hand-off');
  }, 60_000);

  it('When it is assigned a kickstart, then it boots the tree’s Anaconda with inst.ks=file:/kickstand.ks, the kickstart appended to its initrd as a newc archive', async () => {
    // The kexec stub keeps the initrd it was given, to be unpacked here.
    const s = await scene(
      (url) =>
        `BOOT_IMAGE=vmlinuz ip=dhcp rd.neednet=1 BOOTIF=01-52-54-00-12-34-01 console=ttyS0 inst.text kickstand.url=${url} kickstand.key=secret-boot-key-0123456789`,
      { kexec: 'for a; do case $a in --initrd=*) cp "${a#--initrd=}" "$SAVE_DIR/initrd.copy" ;; esac; done' },
    );
    const host = await waitForHost(s);
    const tree = `http://127.0.0.1:${s.files.port}/tree`;
    await assign(s, host.id, {
      action: 'kickstart',
      template: FINAL_TEMPLATE,
      params: { repo: `${tree}/`, root_password_hash: '$6$abc$xyz' },
    });
    await exitOf(s.run, 30_000);
    const calls = await s.bin.calls('kexec');
    expect(calls[0]![3]).toBe(
      `--append=inst.repo=${tree} inst.ks=file:/kickstand.ks ip=dhcp rd.neednet=1 BOOTIF=01-52-54-00-12-34-01 console=ttyS0 inst.text`,
    );
    expect(calls[1]).toEqual(['-e']);
    expect(s.files.asked).toEqual(['/tree/images/pxeboot/vmlinuz', '/tree/images/pxeboot/initrd.img']);

    const initrd = await readFile(path.join(s.dir, 'initrd.copy'));
    expect(Buffer.compare(initrd.subarray(0, INSTALLER_INITRD.length), INSTALLER_INITRD)).toBe(0);
    const start = Math.ceil(INSTALLER_INITRD.length / 4) * 4;
    expect(initrd.subarray(INSTALLER_INITRD.length, start).every((b) => b === 0)).toBe(true);
    const out = path.join(s.dir, 'unpacked');
    await mkdir(out);
    await writeFile(path.join(s.dir, 'appended.cpio'), initrd.subarray(start));
    execFileSync('sh', ['-c', `cd "${out}" && cpio --quiet -i < ../appended.cpio`]);
    const rendered = await (await s.admin('GET', `/api/v1/hosts/${host.id}/kickstart`)).text();
    expect(await readFile(path.join(out, 'kickstand.ks'), 'utf8')).toBe(rendered);
    // The kickstart went into the initrd only: no other copy left in the state folder.
    expect(
      execFileSync('sh', ['-c', `grep -rl --exclude=initrd 'final kickstart for' "${s.dir}/state" || true`], { encoding: 'utf8' }),
    ).toBe('');
  }, 60_000);

  it('When it is told to reboot, then it syncs and presses SysRq b (no init system to ask)', async () => {
    const s = await scene((url) => `kickstand.url=${url}`);
    const host = await waitForHost(s);
    await assign(s, host.id, { action: 'reboot' });
    await exitOf(s.run, 30_000);
    expect(await readFile(s.sysrq, 'utf8')).toBe('b\n');
  }, 60_000);

  it('When the kickstart names no tree, then it falls back instead of booting anything', async () => {
    const s = await scene((url) => `kickstand.url=${url} kickstand.fallback=poweroff`);
    const host = await waitForHost(s);
    await writeFile(path.join(s.srv.templatesDir, 'no-tree.ks.njk'), 'text\nreboot\n');
    await assign(s, host.id, { action: 'kickstart', template: 'no-tree.ks.njk' });
    await exitOf(s.run, 30_000);
    expect(await s.bin.calls('kexec')).toEqual([]);
    expect(s.run.stderr()).toContain('no url --url= in it');
    expect(await readFile(s.sysrq, 'utf8')).toBe('o\n');
  }, 60_000);

  it('When there is no kickstand.url=, then it says so and returns to dracut without registering', async () => {
    const s = await scene(() => 'BOOT_IMAGE=vmlinuz ip=dhcp');
    const { code } = await exitOf(s.run, 30_000);
    expect(code).toBe(1);
    expect(s.run.stderr()).toContain('KICKSTAND_URL is not set');
    const list = (await (await s.admin('GET', '/api/v1/hosts')).json()) as { hosts: Json[] };
    expect(list.hosts).toEqual([]);
  }, 60_000);
});
