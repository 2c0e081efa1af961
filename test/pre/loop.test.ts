// The %pre's register/poll loop against a scripted server on 127.0.0.1: every status the service can
// answer (and some it should not), lost hosts, deadlines, kexec failures, and the token kept secret.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import { factsSchema } from '../../src/schemas/facts.js';
import { exitOf, extractPre, preWorkspace, renderStub, runPre, type PreRun, type PreWorkspace } from '../support/pre-script.js';
import { makeRestrictedPath, whichOnHost, type RestrictedPath } from '../support/restricted-path.js';

const validateFacts = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(factsSchema);

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Drop the connection without an answer. */
  destroy?: boolean;
}

type Handler = (req: Seen, all: Seen[]) => Reply;

interface FakeServer {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

async function fakeServer(handler: Handler): Promise<FakeServer> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      seen.push(s);
      const reply = handler(s, seen);
      if (reply.destroy) {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const TOKEN = 'tok_0123456789SECRETsecret-_';
const registered = (srv: () => FakeServer, id = 'host1', token = TOKEN): Reply => ({
  status: 201,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ id, token, next: `${srv().url}/api/v1/discovery/${id}/next` }),
});
const waiting = (seconds = 1): Reply => ({ status: 202, headers: { 'Retry-After': String(seconds) }, body: 'waiting for assignment\n' });
const action = (name: string, body: string): Reply => ({ status: 200, headers: { 'X-Kickstand-Action': name }, body });
const isPost = (r: Seen) => r.method === 'POST' && r.url === '/api/v1/discovery';
const isPoll = (r: Seen) => r.method === 'GET' && r.url.endsWith('/next');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Started {
  srv: FakeServer;
  ws: PreWorkspace;
  bin: RestrictedPath;
  run: PreRun;
}

async function start(
  handler: Handler,
  opts: { cmdline?: string; env?: Record<string, string>; url?: string; bin?: RestrictedPath } = {},
): Promise<Started> {
  const srv = await fakeServer(handler);
  cleanups.push(() => srv.close());
  const bin = opts.bin ?? (await makeRestrictedPath());
  if (!opts.bin) cleanups.push(() => bin.cleanup());
  const ws = await preWorkspace(extractPre(renderStub(opts.url ?? srv.url)), opts.cmdline);
  cleanups.push(() => ws.cleanup());
  const run = runPre(ws.script, bin.binDir, { ...ws.env, KICKSTAND_LINK_WAIT: '1', ...opts.env });
  cleanups.push(async () => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await run.exited;
  });
  return { srv, ws, bin, run };
}

/** Everything the script left behind: its output, the include, the state dir. */
/** Everything the script printed and every file it left, except the one file that holds the token on
 *  purpose: the install callbacks' curl config (mode 0600, the installer's memory; docs/discovery.md). */
async function leftovers(s: Started): Promise<string> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (full !== path.join(s.ws.stateDir, 'callback.conf')) files.push(await readFile(full, 'utf8'));
    }
  };
  await walk(s.ws.dir);
  return [s.run.stdout(), s.run.stderr(), ...files].join('\n');
}

const finished = (s: Started) => exitOf(s.run);

/** A sysfs with one NIC and whatever else a test writes into it (Secure Boot variables, the active VT). */
async function tempSysfs(files: Record<string, string | Buffer> = {}): Promise<string> {
  const sys = await mkdtemp(path.join(os.tmpdir(), 'kickstand-sys-'));
  cleanups.push(() => rm(sys, { recursive: true, force: true }));
  for (const [rel, content] of Object.entries({ 'class/net/eth0/address': '52:54:00:12:34:56\n', ...files })) {
    await mkdir(path.dirname(path.join(sys, rel)), { recursive: true });
    await writeFile(path.join(sys, rel), content);
  }
  return sys;
}

const FALLBACK = /^# Kickstand fallback, [\d-]+ [\d:]+: .*\n# No commands on purpose/;

describe('the discovery loop', () => {
  it('When the service waits, then answers a kickstart, then the script polls with its token and writes the body byte for byte', async () => {
    const kickstart = '# final\ntext\n%packages\n@core\n%end\n\u00e9\n';
    let polls = 0;
    const s = await start((r) => {
      if (isPost(r)) return registered(() => s.srv);
      if (isPoll(r)) return ++polls < 3 ? waiting(1) : action('kickstart', kickstart);
      return { status: 404 };
    });
    expect(await finished(s)).toEqual({ code: 0, signal: null });
    expect(await readFile(s.ws.ksOut, 'utf8')).toBe(kickstart);
    const [post, ...gets] = s.srv.seen;
    expect(post!.headers['content-type']).toBe('application/json');
    expect(validateFacts(JSON.parse(post!.body))).toBe(true);
    expect(gets).toHaveLength(3);
    for (const g of gets) expect(g.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // Retry-After: 1 was honoured: about a second between polls, not a busy loop.
    expect(gets[1]!.at - gets[0]!.at).toBeGreaterThanOrEqual(900);
    expect(await leftovers(s)).not.toContain(TOKEN);
    const conf = path.join(s.ws.stateDir, 'callback.conf');
    expect((await stat(conf)).mode & 0o777).toBe(0o600);
    expect(await readFile(conf, 'utf8')).toBe(
      `url = "${s.srv.url}/api/v1/discovery/host1/events"\nheader = "Authorization: Bearer ${TOKEN}"\n`,
    );
  });

  it('When curl is called, then the token is never in its arguments (where ps would show it)', async () => {
    const bin = await makeRestrictedPath({ stubs: { curl: `exec '${whichOnHost('curl')}' "$@"` } });
    cleanups.push(() => bin.cleanup());
    let polls = 0;
    const s = await start((r) => (isPost(r) ? registered(() => s.srv) : ++polls < 2 ? waiting(1) : action('kickstart', '# ok\n')), { bin });
    expect((await finished(s)).code).toBe(0);
    const calls = await bin.calls('curl');
    expect(calls.length).toBe(3);
    expect(JSON.stringify(calls)).not.toContain(TOKEN);
    expect(s.srv.seen.filter(isPoll).every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('When the service refuses the facts with 400, then the message is logged and the minimal fact set is sent at once', async () => {
    const s = await start((r, all) => {
      if (isPost(r)) {
        return all.filter(isPost).length === 1
          ? {
              status: 400,
              headers: { 'Content-Type': 'application/json' },
              body: '{"error":{"code":"VALIDATION","message":"dmi.serial is too long","field":"dmi.serial"}}',
            }
          : registered(() => s.srv);
      }
      return action('kickstart', '# ok\n');
    });
    expect((await finished(s)).code).toBe(0);
    const posts = s.srv.seen.filter(isPost);
    expect(posts).toHaveLength(2);
    const minimal = JSON.parse(posts[1]!.body);
    expect(validateFacts(minimal)).toBe(true);
    expect(Object.keys(minimal).sort()).toEqual(['boot_mac', 'format', 'nics']);
    expect(minimal.boot_mac).toBe(JSON.parse(posts[0]!.body).boot_mac);
    expect(posts[1]!.at - posts[0]!.at).toBeLessThan(1000);
    expect(s.run.stderr()).toContain('registration refused (HTTP 400): dmi.serial is too long');
  });

  it('When the service refuses the facts as too large (413), then the minimal fact set is sent at once', async () => {
    const s = await start((r, all) => {
      if (isPost(r)) {
        return all.filter(isPost).length === 1
          ? {
              status: 413,
              headers: { 'Content-Type': 'application/json' },
              body: '{"error":{"code":"PAYLOAD_TOO_LARGE","message":"request body is too large"}}',
            }
          : registered(() => s.srv);
      }
      return action('kickstart', '# ok\n');
    });
    expect((await finished(s)).code).toBe(0);
    const posts = s.srv.seen.filter(isPost);
    expect(posts).toHaveLength(2);
    expect(Object.keys(JSON.parse(posts[1]!.body)).sort()).toEqual(['boot_mac', 'format', 'nics']);
    expect(s.run.stderr()).toContain('registration refused (HTTP 413)');
  });

  it('When registration meets 500s and dropped connections, then it backs off and retries until it gets through', async () => {
    const s = await start((r, all) => {
      if (isPost(r)) {
        const n = all.filter(isPost).length;
        if (n === 1) return { status: 500, body: '{"error":{"code":"INTERNAL","message":"internal error"}}' };
        if (n === 2) return { status: 0, destroy: true };
        return registered(() => s.srv);
      }
      return action('kickstart', '# ok\n');
    });
    expect((await finished(s)).code).toBe(0);
    const posts = s.srv.seen.filter(isPost);
    expect(posts).toHaveLength(3);
    // Backoff with jitter: 0.5-1 s after the first failure, 1-2 s after the second.
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(400);
    expect(posts[2]!.at - posts[1]!.at).toBeGreaterThanOrEqual(900);
    expect(s.run.stderr()).toMatch(/registration failed: HTTP 500/);
    expect(await readFile(s.ws.ksOut, 'utf8')).toBe('# ok\n');
  });

  it('When a poll gets 401 (host deleted), then the script registers again and polls with the new id and token', async () => {
    const s = await start((r, all) => {
      if (isPost(r))
        return all.filter(isPost).length === 1 ? registered(() => s.srv, 'old', 'tokOLD') : registered(() => s.srv, 'new', 'tokNEW');
      if (r.url.includes('/old/'))
        return { status: 401, body: '{"error":{"code":"UNAUTHORIZED","message":"missing or invalid host token"}}' };
      return action('kickstart', '# new\n');
    });
    expect((await finished(s)).code).toBe(0);
    expect(s.srv.seen.map((r) => `${r.method} ${r.url} ${r.headers.authorization ?? ''}`)).toEqual([
      'POST /api/v1/discovery ',
      'GET /api/v1/discovery/old/next Bearer tokOLD',
      'POST /api/v1/discovery ',
      'GET /api/v1/discovery/new/next Bearer tokNEW',
    ]);
    expect(s.run.stderr()).toContain('does not know host old any more (HTTP 401)');
    expect(await leftovers(s)).not.toMatch(/tokOLD|tokNEW/);
  });

  it('When a poll answers an unknown action or a 503, then the script keeps polling', async () => {
    let polls = 0;
    const s = await start((r) => {
      if (isPost(r)) return registered(() => s.srv);
      polls++;
      if (polls === 1) return action('dance', 'x');
      if (polls === 2) return { status: 503, body: 'busy' };
      return action('kickstart', '# ok\n');
    });
    expect((await finished(s)).code).toBe(0);
    expect(polls).toBe(3);
    expect(s.run.stderr()).toContain('unknown action "dance"');
    expect(s.run.stderr()).toContain('polling failed: HTTP 503');
  });

  it('When no assignment comes before kickstand.deadline, then the fallback include is written and the script exits 0', async () => {
    const t0 = Date.now();
    const s = await start((r) => (isPost(r) ? registered(() => s.srv) : waiting(1)), { cmdline: 'inst.ks=x kickstand.deadline=3' });
    expect(await finished(s)).toEqual({ code: 0, signal: null });
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(2500);
    expect(elapsed).toBeLessThan(10_000);
    expect(await readFile(s.ws.ksOut, 'utf8')).toMatch(FALLBACK);
    expect(await readFile(s.ws.ksOut, 'utf8')).toContain('no assignment within kickstand.deadline=3s');
    expect(await s.bin.calls('reboot')).toEqual([]);
  });

  it('When the service is unreachable and kickstand.fallback=reboot, then the fallback is written and reboot is called at the deadline', async () => {
    const s = await start(() => ({ status: 500 }), {
      cmdline: 'kickstand.deadline=2 kickstand.fallback=reboot',
      url: 'http://127.0.0.1:1',
    });
    expect((await finished(s)).code).toBe(0);
    expect(await readFile(s.ws.ksOut, 'utf8')).toMatch(FALLBACK);
    expect(await s.bin.calls('reboot')).toEqual([[]]);
    expect(s.run.stderr()).toMatch(/registration failed: .*(refused|connect)/i);
  });

  it('When the script is killed while it waits, then the include is still written (EXIT trap)', async () => {
    const s = await start((r) => (isPost(r) ? registered(() => s.srv) : waiting(30)));
    await expect.poll(() => s.srv.seen.filter(isPoll).length, { timeout: 10_000 }).toBe(1);
    s.run.child.kill('SIGTERM');
    await s.run.exited;
    expect(await readFile(s.ws.ksOut, 'utf8')).toMatch(/^# Kickstand fallback, .*discovery ended unexpectedly \(exit code 143\)/);
  });

  it('When KICKSTAND_URL is empty, then the fallback is written at once', async () => {
    const s = await start(() => ({ status: 500 }), { url: '' });
    expect((await finished(s)).code).toBe(0);
    expect(await readFile(s.ws.ksOut, 'utf8')).toContain('KICKSTAND_URL is not set or not an http(s) URL');
    expect(s.srv.seen).toEqual([]);
  });

  it('When a reboot is ordered, then the fallback include is written before reboot runs', async () => {
    const bin = await makeRestrictedPath({ stubs: { reboot: 'cat "$KICKSTAND_KS_OUT" > "$KICKSTAND_KS_OUT.at-reboot"' } });
    cleanups.push(() => bin.cleanup());
    const s = await start((r) => (isPost(r) ? registered(() => s.srv) : action('reboot', 'reboot\n')), { bin });
    expect((await finished(s)).code).toBe(0);
    expect(await bin.calls('reboot')).toEqual([[]]);
    expect(await readFile(`${s.ws.ksOut}.at-reboot`, 'utf8')).toMatch(FALLBACK);
  });
});

describe('kexec', () => {
  const KERNEL = Buffer.from('MZ fake kernel \x00\x01\x02', 'latin1');
  const INITRD = Buffer.from('070701 fake initrd', 'latin1');

  function kexecServer(get: () => FakeServer, opts: { initrdStatus?: number } = {}): Handler {
    return (r) => {
      if (isPost(r)) return registered(get);
      if (r.url === '/files/linux') return { status: 200, body: KERNEL };
      if (r.url === '/files/initrd.gz') return { status: opts.initrdStatus ?? 200, body: INITRD };
      return action(
        'kexec',
        `kernel ${get().url}/files/linux\ninitrd ${get().url}/files/initrd.gz\nappend console=ttyS0 inst.text auto=true "quoted" $(x)\n`,
      );
    };
  }

  it('When kexec is ordered, then kernel and initrd are downloaded, loaded with the append line, and systemctl kexec runs', async () => {
    const s = await start(kexecServer(() => s.srv));
    expect((await finished(s)).code).toBe(0);
    const kernel = path.join(s.ws.stateDir, 'kexec/kernel');
    const initrd = path.join(s.ws.stateDir, 'kexec/initrd');
    expect(await s.bin.calls('kexec')).toEqual([
      ['-l', kernel, `--initrd=${initrd}`, '--append=console=ttyS0 inst.text auto=true "quoted" $(x)'],
    ]);
    expect(await readFile(kernel)).toEqual(KERNEL);
    expect(await readFile(initrd)).toEqual(INITRD);
    expect(await s.bin.calls('systemctl')).toEqual([['kexec']]);
    expect(await readFile(s.ws.ksOut, 'utf8')).toMatch(FALLBACK);
  });

  it('When kexec cannot load the kernel, then the fallback include is written and nothing is executed', async () => {
    const s = await start(
      kexecServer(() => s.srv),
      { env: { STUB_EXIT_kexec: '1' } },
    );
    expect((await finished(s)).code).toBe(0);
    expect(await s.bin.calls('kexec')).toHaveLength(1);
    expect(await s.bin.calls('systemctl')).toEqual([]);
    expect(await readFile(s.ws.ksOut, 'utf8')).toContain('kexec could not load the kernel');
  });

  it('When systemctl kexec fails, then kexec -e is tried', async () => {
    const s = await start(
      kexecServer(() => s.srv),
      { env: { STUB_EXIT_systemctl: '1' } },
    );
    expect((await finished(s)).code).toBe(0);
    expect((await s.bin.calls('kexec')).map((c) => c[0])).toEqual(['-l', '-e']);
  });

  it('When the initrd cannot be downloaded, then kexec is never called and the fallback says why', async () => {
    const s = await start(kexecServer(() => s.srv, { initrdStatus: 404 }));
    expect((await finished(s)).code).toBe(0);
    expect(await s.bin.calls('kexec')).toEqual([]);
    expect(await readFile(s.ws.ksOut, 'utf8')).toContain('kexec: initrd download failed');
  });

  it('When Secure Boot is on, then the kernel is loaded with -s (kexec_file_load)', async () => {
    const guid = '8be4df61-93ca-11d2-aa0d-00e098032b8c';
    const sys = await tempSysfs({
      [`firmware/efi/efivars/SecureBoot-${guid}`]: Buffer.from([6, 0, 0, 0, 1]),
      [`firmware/efi/efivars/SetupMode-${guid}`]: Buffer.from([6, 0, 0, 0, 0]),
    });
    const s = await start(
      kexecServer(() => s.srv),
      { env: { KICKSTAND_SYSFS: sys } },
    );
    expect((await finished(s)).code).toBe(0);
    const [load] = await s.bin.calls('kexec');
    expect(load!.slice(0, 2)).toEqual(['-s', '-l']);
    expect(JSON.parse(s.srv.seen[0]!.body).firmware).toEqual({ type: 'uefi', secure_boot: true });
  });
});

describe('progress VT', () => {
  const fakeSys = () => tempSysfs({ 'class/tty/tty0/active': 'tty1\n' });

  it('When a VT above 6 is given, then the script switches to it, shows server, host and state there, and switches back before leaving', async () => {
    const bin = await makeRestrictedPath({ stubs: { chvt: 'exit 0' } });
    cleanups.push(() => bin.cleanup());
    const sys = await fakeSys();
    const vt = path.join(sys, 'tty8');
    await writeFile(vt, '');
    const s = await start((r) => (isPost(r) ? registered(() => s.srv, 'hostvt') : action('kickstart', '# ok\n')), {
      bin,
      env: { KICKSTAND_VT: '8', KICKSTAND_VT_DEVICE: vt, KICKSTAND_SYSFS: sys },
    });
    expect((await finished(s)).code).toBe(0);
    expect(await bin.calls('chvt')).toEqual([['8'], ['1']]);
    const screen = await readFile(vt, 'utf8');
    expect(screen).toContain('Kickstand discovery');
    expect(screen).toContain(`server : ${s.srv.url}`);
    expect(screen).toContain('host   : hostvt');
    expect(screen).toContain('state  : kickstart received: installing');
    expect(screen).not.toContain(TOKEN);
  });

  it('When the VT is 6 or below, or its device is missing, then nothing is opened and the script still completes', async () => {
    const bin = await makeRestrictedPath({ stubs: { chvt: 'exit 0' } });
    cleanups.push(() => bin.cleanup());
    const sys = await fakeSys();
    for (const env of [{ KICKSTAND_VT: '2' }, { KICKSTAND_VT: '9', KICKSTAND_VT_DEVICE: path.join(sys, 'no-such-tty') }] as Record<
      string,
      string
    >[]) {
      const s = await start((r) => (isPost(r) ? registered(() => s.srv) : action('kickstart', '# ok\n')), {
        bin,
        env: { ...env, KICKSTAND_SYSFS: sys },
      });
      expect((await finished(s)).code).toBe(0);
      expect(await readFile(s.ws.ksOut, 'utf8')).toBe('# ok\n');
    }
    expect(await bin.calls('chvt')).toEqual([]);
  });
});

describe('identity conflicts and boot keys', () => {
  const KEY = 'bootKEY_0123456789-secret';
  const conflict: Reply = {
    status: 409,
    headers: { 'Content-Type': 'application/json' },
    body: '{"error":{"code":"IDENTITY_CONFLICT","message":"another machine holds the identity of host host1; this one waits until an operator releases the host to it"}}',
  };

  it('When polls get 409 IDENTITY_CONFLICT, then the script keeps its claim (no new registration), backs off, says so on the VT and in the log, never writes the 409 body, and takes the answer once released', async () => {
    const bin = await makeRestrictedPath({ stubs: { chvt: 'exit 0' } });
    cleanups.push(() => bin.cleanup());
    const sys = await tempSysfs({ 'class/tty/tty0/active': 'tty1\n' });
    const vt = path.join(sys, 'tty8');
    await writeFile(vt, '');
    let polls = 0;
    let screenDuringConflict = '';
    const s = await start(
      (r) => {
        if (isPost(r)) return registered(() => s.srv);
        if (!isPoll(r)) return { status: 404 };
        polls++;
        if (polls === 3) screenDuringConflict = readFileSyncSafe(vt);
        return polls < 3 ? conflict : action('kickstart', '# released\n');
      },
      { bin, env: { KICKSTAND_VT: '8', KICKSTAND_VT_DEVICE: vt, KICKSTAND_SYSFS: sys } },
    );
    expect((await finished(s)).code).toBe(0);
    expect(s.srv.seen.filter(isPost)).toHaveLength(1);
    const gets = s.srv.seen.filter(isPoll);
    expect(gets).toHaveLength(3);
    for (const g of gets) expect(g.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // Backoff, not a busy loop: 0.5–1 s, then 1–2 s.
    expect(gets[2]!.at - gets[0]!.at).toBeGreaterThanOrEqual(1400);
    expect(await readFile(s.ws.ksOut, 'utf8')).toBe('# released\n');
    expect(s.run.stderr()).toMatch(
      /identity conflict \(HTTP 409\): another machine holds the identity of host host1.*waiting for an operator to release host host1/,
    );
    expect(screenDuringConflict).toContain('release host host1 to this machine');
  });

  it('When the deadline passes during a conflict, then the include is the fallback, never the conflict body', async () => {
    const s = await start((r) => (isPost(r) ? registered(() => s.srv) : conflict), { cmdline: 'BOOT_IMAGE=vmlinuz kickstand.deadline=3' });
    expect((await finished(s)).code).toBe(0);
    const include = await readFile(s.ws.ksOut, 'utf8');
    expect(include).toMatch(FALLBACK);
    expect(include).not.toContain('IDENTITY_CONFLICT');
  });

  it('When kickstand.key= is on the command line, then the registration sends it in X-Kickstand-Boot-Key, and it is in no argv, log, fact or file', async () => {
    const bin = await makeRestrictedPath({ stubs: { curl: `exec '${whichOnHost('curl')}' "$@"` } });
    cleanups.push(() => bin.cleanup());
    const s = await start((r) => (isPost(r) ? registered(() => s.srv) : action('kickstart', '# ok\n')), {
      bin,
      cmdline: `BOOT_IMAGE=vmlinuz kickstand.key=${KEY} quiet`,
    });
    expect((await finished(s)).code).toBe(0);
    const post = s.srv.seen.find(isPost)!;
    expect(post.headers['x-kickstand-boot-key']).toBe(KEY);
    const facts = JSON.parse(post.body) as { kernel: { cmdline: string } };
    expect(facts.kernel.cmdline).toBe('BOOT_IMAGE=vmlinuz kickstand.key=(hidden) quiet');
    expect(validateFacts(facts)).toBe(true);
    expect(JSON.stringify(await bin.calls('curl'))).not.toContain(KEY);
    // The fabricated /proc/cmdline holds it on purpose; everything else the run left must not.
    await rm(s.ws.cmdline);
    expect(await leftovers(s)).not.toContain(KEY);
    expect(s.run.stderr()).toContain('boot key given');
  });

  it('When there is no kickstand.key= (or a malformed one), then no boot key header is sent', async () => {
    const s = await start((r) => (isPost(r) ? registered(() => s.srv) : action('kickstart', '# ok\n')), {
      cmdline: 'BOOT_IMAGE=vmlinuz kickstand.key=short',
    });
    expect((await finished(s)).code).toBe(0);
    expect(s.srv.seen.find(isPost)!.headers['x-kickstand-boot-key']).toBeUndefined();
    expect(s.run.stderr()).toContain('ignoring kickstand.key');
    expect(s.run.stderr()).not.toContain('short');
  });
});

function readFileSyncSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
