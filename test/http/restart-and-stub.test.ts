// The service's promises across restarts and broken templates.
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer } from '../support/server.js';
import { tempDir } from '../support/temp.js';

describe('restart', () => {
  it('When the service restarts on the same data dir, then hosts, assignments and host tokens survive', async () => {
    const templatesDir = path.resolve('test/fixtures/kickstarts');
    const first = await startTestServer({ templatesDir });
    const reg = (await request(first.url).post('/api/v1/discovery').send(sampleFacts()).expect(201)).body;
    await request(first.url)
      .post(`/api/v1/hosts/${reg.id}/assignment`)
      .set('Authorization', `Bearer ${first.adminToken}`)
      .send({ action: 'reboot' })
      .expect(200);
    await first.stop();

    const second = await startTestServer({ templatesDir, dataDir: first.dataDir, port: first.port });
    try {
      const res = await request(second.url).get(`/api/v1/discovery/${reg.id}/next`).set('Authorization', `Bearer ${reg.token}`);
      expect(res.status).toBe(200);
      expect(res.headers['x-kickstand-action']).toBe('reboot');
    } finally {
      await second.stop();
    }
  });

  it('When no admin token is configured, then one is generated once, kept in the data dir and reused', async () => {
    const dataDir = await tempDir('kickstand-admin-');
    const { resolveAdminToken } = await import('../../src/admin-token.js');
    const a = await resolveAdminToken(undefined, dataDir);
    const b = await resolveAdminToken(undefined, dataDir);
    expect(a.generated).toBe(true);
    expect(b).toEqual({ token: a.token, generated: false });
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('stub resilience', () => {
  it('When an author breaks stub.ks.njk, then GET /ks still answers 200 with the last good stub', async () => {
    const templatesDir = await tempDir('kickstand-tpl-');
    await cp(path.resolve('test/fixtures/kickstarts'), templatesDir, { recursive: true });
    const srv = await startTestServer({ templatesDir });
    try {
      const good = await request(srv.url).get('/ks').expect(200);
      await writeFile(path.join(templatesDir, 'stub.ks.njk'), '{% if %}broken');
      // The folder watcher drops the compiled template; wait until the broken one is in effect.
      const brokenSeen = async () => {
        await request(srv.url).get('/ks');
        return srv.logs.some((l) => l.msg === 'stub kickstart does not render; serving the last good one');
      };
      await expect.poll(brokenSeen, { timeout: 5000 }).toBe(true);
      const res = await request(srv.url).get('/ks');
      expect(res.status).toBe(200);
      expect(res.text).toBe(good.text);
    } finally {
      await srv.stop();
    }
  });

  it('When the stub never rendered, then GET /ks serves a minimal stub that still writes the include', async () => {
    const templatesDir = await tempDir('kickstand-tpl-');
    await writeFile(path.join(templatesDir, 'stub.ks.njk'), '{{ undefined_variable }}');
    const srv = await startTestServer({ templatesDir });
    try {
      const res = await request(srv.url).get('/ks');
      expect(res.status).toBe(200);
      expect(res.text).toContain('%include /tmp/kickstand.ks');
      expect(res.text).toMatch(/^%pre.*\n[\s\S]*> \/tmp\/kickstand\.ks\n%end$/m);
    } finally {
      await srv.stop();
    }
  });
});
