// Serving the overlay to Anaconda: /images/product.img, /updates.img and tree mode. Every "no" is a
// 404 with an empty body (Anaconda would try to unpack an error page); tree mode redirects the rest
// to the mirror, checked with real curl following redirects the way dracut does.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
let mirror: Server;
let mirrorUrl: string;
const mirrorHits: string[] = [];
const IMAGE = randomBytes(70_000);
// curl runs asynchronously: the service answering it lives in this very process.
const run = promisify(execFile);
const admin = (r: request.Test) => r.set('Authorization', `Bearer ${srv.adminToken}`);

beforeAll(async () => {
  // A stand-in install tree on loopback.
  mirror = createServer((req, res) => {
    mirrorHits.push(req.url!);
    if (req.url === '/rhel9/BaseOS/x86_64/os/.treeinfo') res.end('[general]\nname = RHEL 9\n');
    else if (req.url === '/rhel9/BaseOS/x86_64/os/images/product.img') res.end('mirror product.img');
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
  mirrorUrl = `http://127.0.0.1:${(mirror.address() as { port: number }).port}`;
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  await admin(request(srv.url).post('/api/v1/installers'))
    .send({ name: 'rhel9', family: 'rhel', version: '9.4', repo: `${mirrorUrl}/rhel9/BaseOS/x86_64/os/` })
    .expect(201);
});
afterAll(async () => {
  await srv.stop();
  await new Promise((resolve) => mirror.close(resolve));
});

const expectEmpty404 = (res: request.Response) => {
  expect(res.status).toBe(404);
  expect(res.headers['content-length']).toBe('0');
  expect(res.headers['content-type']).toBeUndefined();
  expect(res.text ?? '').toBe('');
};

describe('overlay routes', () => {
  it('When no product.img is built, then /images/product.img, /updates.img and the tree answer 404 with an empty body, or the mirror’s own', async () => {
    await rm(path.join(srv.dataDir, 'product.img'), { force: true });
    expectEmpty404(await request(srv.url).get('/images/product.img'));
    expectEmpty404(await request(srv.url).get('/updates.img'));
    expectEmpty404(await request(srv.url).head('/updates.img'));
    const tree = await request(srv.url).get('/tree/rhel9/images/product.img').redirects(0);
    expect(tree.status).toBe(302);
    expect(tree.headers.location).toBe(`${mirrorUrl}/rhel9/BaseOS/x86_64/os/images/product.img`);
  });

  it('When a product.img is in the data dir, then all three serve its exact bytes, and HEAD gives its size', async () => {
    await writeFile(path.join(srv.dataDir, 'product.img'), IMAGE);
    for (const url of ['/images/product.img', '/updates.img', '/tree/rhel9/images/product.img']) {
      const res = await request(srv.url)
        .get(url)
        .buffer(true)
        .parse((r, cb) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => cb(null, Buffer.concat(chunks)));
        });
      expect(res.status, url).toBe(200);
      expect(res.headers['content-type']).toBe('application/octet-stream');
      expect(Buffer.compare(res.body as Buffer, IMAGE), url).toBe(0);
    }
    const head = await request(srv.url).head('/images/product.img').expect(200);
    expect(head.headers['content-length']).toBe(String(IMAGE.length));
  });

  it('When Anaconda asks the tree for anything else, then it is redirected to the same path on the mirror, query kept', async () => {
    for (const p of ['.treeinfo', 'images/install.img', 'images/pxeboot/vmlinuz', 'Packages/k/kernel-5.14.rpm']) {
      const res = await request(srv.url).get(`/tree/rhel9/${p}`).redirects(0).expect(302);
      expect(res.headers.location).toBe(`${mirrorUrl}/rhel9/BaseOS/x86_64/os/${p}`);
    }
    const q = await request(srv.url).get('/tree/rhel9/repodata/repomd.xml?x=1').redirects(0).expect(302);
    expect(q.headers.location).toBe(`${mirrorUrl}/rhel9/BaseOS/x86_64/os/repodata/repomd.xml?x=1`);
  });

  it('When the installer is unknown or the path climbs out, then 404 with an empty body', async () => {
    expectEmpty404(await request(srv.url).get('/tree/nope/.treeinfo').redirects(0));
    expectEmpty404(await request(srv.url).get('/tree/rhel9/images/%2E%2E/x').redirects(0));
    expectEmpty404(await request(srv.url).get('/tree/rhel9/a%2Fb').redirects(0));
  });

  it('When curl fetches through the tree the way dracut does (--fail, following redirects), then it gets the mirror’s .treeinfo and Kickstand’s overlay', async () => {
    await writeFile(path.join(srv.dataDir, 'product.img'), IMAGE);
    const treeinfo = await run('curl', ['--fail', '-sS', '-L', `${srv.url}/tree/rhel9/.treeinfo`], { encoding: 'utf-8' });
    expect(treeinfo.stdout).toBe('[general]\nname = RHEL 9\n');
    const img = await run('curl', ['--fail', '-sS', '-L', `${srv.url}/tree/rhel9/images/product.img`], { encoding: 'buffer' });
    expect(Buffer.compare(img.stdout, IMAGE)).toBe(0);
    await rm(path.join(srv.dataDir, 'product.img'));
    // No overlay: curl --fail on the plain route fails (exit 22) and writes nothing, as dracut expects.
    await expect(run('curl', ['--fail', '-sS', '-o', '/dev/null', `${srv.url}/updates.img`])).rejects.toMatchObject({ code: 22 });
  });
});

describe('installers API', () => {
  it('When an installer is created, read, replaced and deleted, then each step shows, and the audit has it', async () => {
    const body = { name: 'f42', family: 'fedora', version: '42', repo: 'http://127.0.0.1:9/fedora/42/os' };
    await admin(request(srv.url).post('/api/v1/installers')).send(body).expect(201);
    await admin(request(srv.url).post('/api/v1/installers')).send(body).expect(409);
    expect((await admin(request(srv.url).get('/api/v1/installers/f42')).expect(200)).body).toMatchObject({ ...body, source: 'api' });
    await admin(request(srv.url).put('/api/v1/installers/f42'))
      .send({ ...body, kernel: 'http://127.0.0.1:9/k' })
      .expect(200);
    expect(
      (await admin(request(srv.url).get('/api/v1/installers')).expect(200)).body.installers.map((i: { name: string }) => i.name),
    ).toEqual(['f42', 'rhel9']);
    await admin(request(srv.url).delete('/api/v1/installers/f42')).expect(204);
    await admin(request(srv.url).get('/api/v1/installers/f42')).expect(404);
  });

  it('When an installer is invalid, then 400 names the field', async () => {
    const bad = async (body: object, field: string) => {
      const res = await admin(request(srv.url).post('/api/v1/installers')).send(body).expect(400);
      expect(res.body.error.field).toBe(field);
    };
    const ok = { name: 'x1', family: 'rhel', version: '9', repo: 'http://127.0.0.1/r' };
    await bad({ ...ok, repo: 'http://127.0.0.1/r x' }, 'repo');
    await bad({ ...ok, repo: "http://127.0.0.1/r';reboot" }, 'repo');
    await bad({ ...ok, family: 'debian' }, 'family');
    await bad({ ...ok, version: 'nine' }, 'version');
    await bad({ ...ok, name: 'Bad Name' }, 'name');
  });
});

describe('boot lines and the overlay', () => {
  const PASSWORD = 'boot-overlay-password';
  async function bootPage(query: string) {
    const agent = request.agent(srv.url);
    const form = await agent.get('/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
    await agent.post('/login').type('form').send({ _csrf: csrf, name: 'bootviewer', password: PASSWORD, next: '/boot' }).expect(303);
    const page = await agent.get(`/boot${query}`).expect(200);
    return page.text.replace(/&#x2F;/g, '/').replace(/&amp;/g, '&');
  }

  it('When an overlay is built, then the boot lines load it: tree mode for a known installer, inst.updates= for a typed tree; without one, neither', async () => {
    await admin(request(srv.url).post('/api/v1/users')).send({ name: 'bootviewer', role: 'viewer', password: PASSWORD }).expect(201);
    await writeFile(path.join(srv.dataDir, 'product.img'), IMAGE);
    const tree = await bootPage('?installer=rhel9');
    expect(tree).toContain(
      `ip=dhcp inst.repo=${mirrorUrl}/rhel9/BaseOS/x86_64/os inst.stage2=${srv.url}/tree/rhel9/ inst.ks=${srv.url}/ks`,
    );
    expect(tree).toContain(`KERNEL ${mirrorUrl}/rhel9/BaseOS/x86_64/os/images/pxeboot/vmlinuz`);
    const typed = await bootPage('?repo=http%3A%2F%2F127.0.0.1%3A9%2Fr');
    expect(typed).toContain(`inst.repo=http://127.0.0.1:9/r inst.updates=${srv.url}/updates.img inst.ks=`);
    await rm(path.join(srv.dataDir, 'product.img'));
    const none = await bootPage('?installer=rhel9');
    expect(none).not.toContain('inst.stage2=');
    expect(none).not.toContain('inst.updates=');
    expect(none).toContain('No product.img overlay is built');
  });
});
