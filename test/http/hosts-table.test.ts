// The hosts table sorts by any column and shows extra columns the user ticks, keeping filters.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
const PASSWORD = 'hosts-table-password';
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
const MEMORY = [65536, 4096, 262144, 16384];

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  await request(srv.url)
    .post('/api/v1/users')
    .set('Authorization', `Bearer ${srv.adminToken}`)
    .send({ name: 'v', role: 'viewer', password: PASSWORD })
    .expect(201);
  for (const [i, memory_mib] of MEMORY.entries()) {
    const arch = i % 2 ? 'aarch64' : 'x86_64';
    await request(srv.url)
      .post('/api/v1/discovery')
      .send(sampleFacts({ boot_mac: `52:54:00:00:0f:0${i}`, memory_mib, arch }))
      .expect(201);
  }
});
afterAll(async () => srv.stop());

async function viewer() {
  const agent = request.agent(srv.url);
  const form = await agent.get('/login');
  await agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfOf(form.text), name: 'v', password: PASSWORD, next: '/hosts' })
    .expect(303);
  return agent;
}
const macsInOrder = (html: string) => [...html.matchAll(/<td class="c-mac"><code>(52:54:00:00:0f:0\d)<\/code><\/td>/g)].map((m) => m[1]);

describe('hosts table', () => {
  it('When sorted by memory up and down, then the rows follow, and the header links flip the direction', async () => {
    const agent = await viewer();
    const up = await agent.get('/hosts?sort=memory&dir=asc').expect(200);
    const byMemory = [...MEMORY.entries()].sort((a, b) => a[1] - b[1]).map(([i]) => `52:54:00:00:0f:0${i}`);
    expect(macsInOrder(up.text)).toEqual(byMemory);
    expect(up.text).toContain('aria-sort="ascending"');
    expect(up.text).toContain('href="/hosts?sort=memory&amp;dir=desc"');
    const down = await agent.get('/hosts?sort=memory&dir=desc').expect(200);
    expect(macsInOrder(down.text)).toEqual([...byMemory].reverse());
  });

  it('When extra columns are chosen with a filter, then they show for each row and the sort links keep both', async () => {
    const agent = await viewer();
    const page = await agent.get('/hosts?q=52:54:00:00:0f&cols=arch&cols=kexec&cols=nonsense').expect(200);
    expect(page.text).toMatch(
      /<th class="c-extra"><a href="[^"]*">Arch<\/a><\/th><th class="c-extra"><a href="[^"]*">kexec<\/a><\/th><\/tr>/,
    );
    expect(page.text).toContain('<td class="c-extra"><span class="cut" title="aarch64">aarch64</span></td>');
    expect(page.text).toContain('<td class="c-extra"><span class="cut" title="yes">yes</span></td>');
    expect(page.text).not.toContain('nonsense');
    expect(page.text).toContain('href="/hosts?q=52%3A54%3A00%3A00%3A0f&amp;sort=arch&amp;dir=asc&amp;cols=arch&amp;cols=kexec"');
    const byArch = await agent.get('/hosts?q=52:54:00:00:0f&cols=arch&sort=arch&dir=asc').expect(200);
    const cells = [...byArch.text.matchAll(/title="(aarch64|x86_64)"/g)].map((m) => m[1]);
    expect(cells).toEqual(['aarch64', 'aarch64', 'x86_64', 'x86_64']);
  });

  it('When the sort key is unknown, then the default (first seen, oldest first) applies', async () => {
    const agent = await viewer();
    const page = await agent.get('/hosts?sort=__proto__&dir=sideways').expect(200);
    expect(page.text).not.toContain('aria-sort');
    expect(macsInOrder(page.text)).toEqual(MEMORY.map((_, i) => `52:54:00:00:0f:0${i}`));
  });
});
