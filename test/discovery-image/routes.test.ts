// GET/HEAD /discovery/vmlinuz and /discovery/initrd.img (ranges, 416, caching, 404 before a build,
// traversal) and GET /discovery/boot/{format}: the iPXE, GRUB2 and UEFI HTTP boot entries for the image.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/raw-http.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
let empty: TestServer;
let dir: string;
// Bytes that differ at every offset, so a wrong range shows.
const INITRD = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
const VMLINUZ = Buffer.from('MZ fake kernel for the route test\n');
const SECRET = 'secret-outside-the-image-folder';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-di-'));
  const image = path.join(dir, 'discovery');
  await mkdir(image);
  await writeFile(path.join(image, 'initrd.img'), INITRD);
  await writeFile(path.join(image, 'vmlinuz'), VMLINUZ);
  await writeFile(path.join(image, '.hidden'), 'no');
  await writeFile(path.join(image, 'other.img'), 'not served');
  await writeFile(path.join(dir, 'secret.txt'), SECRET);
  await symlink(path.join(dir, 'secret.txt'), path.join(image, 'link'));
  srv = await startTestServer({ publicUrl: 'http://192.0.2.10:8080', env: { KICKSTAND_DISCOVERY_IMAGE_DIR: image } });
  empty = await startTestServer({
    publicUrl: 'http://192.0.2.10:8080',
    env: { KICKSTAND_DISCOVERY_IMAGE_DIR: path.join(dir, 'not-built') },
  });
});
afterAll(async () => {
  await srv.stop();
  await empty.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the image files', () => {
  it('When the initrd is fetched whole, then 200 with its bytes, octet-stream, length, ETag, Last-Modified, revalidating cache and Accept-Ranges', async () => {
    const res = await request(srv.url).get('/discovery/initrd.img').buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(res.body as Buffer, INITRD)).toBe(0);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-length']).toBe(String(INITRD.length));
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers.etag).toMatch(/^"[0-9a-f-]+"$/);
    expect(new Date(res.headers['last-modified']!).getTime()).toBeGreaterThan(0);
    expect(res.headers['cache-control']).toBe('public, no-cache');
    const kernel = await request(srv.url).get('/discovery/vmlinuz').buffer(true).parse(binary).expect(200);
    expect((kernel.body as Buffer).toString()).toBe(VMLINUZ.toString());
  });

  it('When HEAD is asked, then the same headers and no body', async () => {
    const res = await rawRequest(srv.url, { method: 'HEAD', path: '/discovery/initrd.img' });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(INITRD.length));
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.text).toBe('');
  });

  it('When one range is asked, then 206 with exactly those bytes and Content-Range', async () => {
    for (const [range, from, to] of [
      ['bytes=0-99', 0, 99],
      ['bytes=5000-5999', 5000, 5999],
      ['bytes=99990-', 99_990, 99_999],
      ['bytes=-10', 99_990, 99_999],
      ['bytes=99000-200000', 99_000, 99_999],
    ] as const) {
      const res = await request(srv.url).get('/discovery/initrd.img').set('Range', range).buffer(true).parse(binary).expect(206);
      expect(res.headers['content-range'], range).toBe(`bytes ${from}-${to}/${INITRD.length}`);
      expect(Buffer.compare(res.body as Buffer, INITRD.subarray(from, to + 1)), range).toBe(0);
    }
  });

  it('When a range lies past the end, then 416 with Content-Range bytes */SIZE and no body', async () => {
    for (const range of ['bytes=100000-100010', 'bytes=200000-']) {
      const res = await rawRequest(srv.url, { method: 'GET', path: '/discovery/initrd.img', headers: { range } });
      expect(res.status, range).toBe(416);
      expect(res.headers['content-range'], range).toBe(`bytes */${INITRD.length}`);
      expect(res.text, range).toBe('');
    }
  });

  it('When the ETag or the date is sent back, then 304; If-Range with it resumes (206), a stale one gets the whole file', async () => {
    const first = await request(srv.url).get('/discovery/vmlinuz').expect(200);
    const whole = await request(srv.url).get('/discovery/initrd.img').expect(200);
    const resumed = await request(srv.url)
      .get('/discovery/initrd.img')
      .set('Range', 'bytes=10-19')
      .set('If-Range', whole.headers.etag!)
      .buffer(true)
      .parse(binary)
      .expect(206);
    expect(Buffer.compare(resumed.body as Buffer, INITRD.subarray(10, 20))).toBe(0);
    await request(srv.url).get('/discovery/vmlinuz').set('If-None-Match', first.headers.etag!).expect(304);
    await request(srv.url).get('/discovery/vmlinuz').set('If-Modified-Since', first.headers['last-modified']!).expect(304);
    const stale = await request(srv.url)
      .get('/discovery/initrd.img')
      .set('Range', 'bytes=0-9')
      .set('If-Range', '"not-the-etag"')
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect((stale.body as Buffer).length).toBe(INITRD.length);
  });

  it('When no image was built, then 404 with an empty body, never a page a loader could boot', async () => {
    for (const name of ['vmlinuz', 'initrd.img']) {
      for (const method of ['GET', 'HEAD']) {
        const res = await rawRequest(empty.url, { method, path: `/discovery/${name}` });
        expect(res.status, `${method} ${name}`).toBe(404);
        expect(res.text).toBe('');
        expect(res.headers['content-type'], name).toBeUndefined();
      }
    }
  });

  it('When a path climbs out, names another file, a dotfile or a symlink, then nothing but the two files is served', async () => {
    for (const evil of [
      '/discovery/../discovery/initrd.img/../../secret.txt',
      '/discovery/..%2fsecret.txt',
      '/discovery/%2e%2e/secret.txt',
      '/discovery/initrd.img/../../secret.txt',
      '/discovery/initrd.img%2f..%2f..%2fsecret.txt',
      '/discovery/vmlinuz%00',
      '/discovery/other.img',
      '/discovery/.hidden',
      '/discovery/link',
      '/discovery/boot/..%2f..%2fdiscovery%2flink',
      '/discovery/%5c..%5csecret.txt',
    ]) {
      const res = await rawRequest(srv.url, { method: 'GET', path: evil });
      expect(res.status, evil).toBeGreaterThanOrEqual(400);
      expect(res.status, evil).toBeLessThan(500);
      expect(res.text, evil).not.toContain(SECRET);
      expect(res.text, evil).not.toContain('not served');
    }
  });

  it('When the routes are called with any token or none, then the answer is the same: machines have no credentials', async () => {
    for (const auth of [undefined, 'Bearer wrong-token-wrong-token', `Bearer ${srv.adminToken}`]) {
      const res = await rawRequest(srv.url, { method: 'GET', path: '/discovery/vmlinuz', headers: { authorization: auth } });
      expect(res.status, auth ?? 'none').toBe(200);
      const boot = await rawRequest(srv.url, { method: 'GET', path: '/discovery/boot/ipxe', headers: { authorization: auth } });
      expect(boot.status, auth ?? 'none').toBe(200);
    }
  });

  it('When the file is written to, then only GET and HEAD exist', async () => {
    for (const method of ['PUT', 'POST', 'DELETE', 'PATCH']) {
      const res = await rawRequest(srv.url, { method, path: '/discovery/initrd.img', body: 'x' });
      expect(res.status, method).toBe(404);
    }
    expect(Buffer.compare((await request(srv.url).get('/discovery/initrd.img').buffer(true).parse(binary)).body as Buffer, INITRD)).toBe(0);
  });
});

describe('the boot entries', () => {
  it('When the iPXE entry is asked, then it loads both files from Kickstand with dracut networking, kickstand.url and BOOTIF', async () => {
    const res = await request(srv.url).get('/discovery/boot/ipxe').expect(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toBe(
      [
        '#!ipxe',
        'kernel http://192.0.2.10:8080/discovery/vmlinuz initrd=initrd.img ip=dhcp rd.neednet=1 kickstand.url=http://192.0.2.10:8080 BOOTIF=01-${netX/mac:hexhyp}',
        'initrd --name initrd.img http://192.0.2.10:8080/discovery/initrd.img',
        'boot',
        '',
      ].join('\n'),
    );
  });

  it('When the GRUB2 entry is asked, then the files are written (http,HOST,PORT)/PATH with linux and initrd', async () => {
    const res = await request(srv.url).get('/discovery/boot/grub').expect(200);
    expect(res.text).toBe(
      [
        "menuentry 'Kickstand discovery image' {",
        '  insmod http',
        '  linux (http,192.0.2.10,8080)/discovery/vmlinuz ip=dhcp rd.neednet=1 kickstand.url=http://192.0.2.10:8080',
        '  initrd (http,192.0.2.10,8080)/discovery/initrd.img',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('When the UEFI HTTP boot entry is asked, then it explains the HTTPClient DHCP class and chains iPXE to the image script', async () => {
    const res = await request(srv.url).get('/discovery/boot/uefi-http').expect(200);
    expect(res.text).toContain('HTTPClient');
    expect(res.text).toContain('option vendor-class-identifier "HTTPClient";');
    expect(res.text).toContain('filename "http://192.0.2.10:8080/discovery/boot/ipxe";');
    expect(res.text).toContain('dhcp-boot=tag:ipxe,http://192.0.2.10:8080/discovery/boot/ipxe');
    expect(res.text).toContain('Secure Boot must be off');
  });

  it('When a profile is named, then it is on the line as given; a malformed one is refused, and an unknown format is 404', async () => {
    const cmd = await request(srv.url).get('/discovery/boot/cmdline?profile=el9-web').expect(200);
    expect(cmd.text).toBe('ip=dhcp rd.neednet=1 kickstand.url=http://192.0.2.10:8080 kickstand.profile=el9-web\n');
    const chained = await request(srv.url).get('/discovery/boot/uefi-http?profile=el9-web').expect(200);
    expect(chained.text).toContain('http://192.0.2.10:8080/discovery/boot/ipxe?profile=el9-web');
    for (const evil of ['a b', 'x;reboot', '../x', '$(id)', 'a"b', 'x'.repeat(65)]) {
      const res = await request(srv.url).get('/discovery/boot/ipxe').query({ profile: evil });
      expect(res.status, evil).toBe(400);
      expect(res.body.error.field).toBe('profile');
    }
    for (const format of ['pxelinux', 'dvd', 'IPXE', '..']) {
      await request(srv.url).get(`/discovery/boot/${format}`).expect(404);
    }
  });
});

// superagent buffers only text and JSON by itself: the image's bytes are collected here.
const binary = ((res: NodeJS.ReadableStream, done: (err: Error | null, body: Buffer) => void): void => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}) as unknown as (res: request.Response, done: (err: Error | null, body: unknown) => void) => void;
