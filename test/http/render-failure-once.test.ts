// A template that stops rendering after a host was assigned (issue 17: "twenty times"): the machine
// keeps waiting, and the failure is rendered, logged and put on the timeline once — not at every poll.
// A fix (the template saved again) renders again at the next poll.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { registerMachine } from '../support/sessions.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-once-'));
  await cp(path.resolve('test/fixtures/kickstarts'), dir, { recursive: true });
  await writeFile(path.join(dir, 'once.ks.njk'), 'text\nurl --url={{ params.repo | ksarg }}\n');
  srv = await startTestServer({ templatesDir: dir });
});
afterAll(async () => {
  await srv.stop();
  await rm(dir, { recursive: true });
});

const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });

describe('a render failure at the poll', () => {
  it('When a waiting machine polls twenty times, then the failure is logged once and on its timeline once, naming the expression and line', async () => {
    const reg = await registerMachine(srv.url, sampleFacts({ boot_mac: '52:54:00:17:00:01' }));
    await request(srv.url)
      .post(`/api/v1/hosts/${reg.id}/assignment`)
      .set(admin())
      .send({ action: 'kickstart', template: 'once.ks.njk', hostname: 'once.example.com', params: { repo: 'http://r/' } })
      .expect(200);
    // The template changes under the assignment: it now needs a param the host does not have.
    await request(srv.url)
      .put('/api/v1/templates/once.ks.njk')
      .set(admin())
      .send({ content: 'text\nurl --url={{ params.mirror | ksarg }}\n' })
      .then((res) => expect([200, 201], res.text).toContain(res.status));
    const signals: string[] = [];
    srv.running.deps.events.on((e) => {
      if (e.kind === 'render-error') signals.push(e.template);
    });
    const poll = () => request(srv.url).get(`/api/v1/discovery/${reg.id}/next`).set('Authorization', `Bearer ${reg.token}`);
    for (let i = 0; i < 20; i++) expect((await poll()).status).toBe(202);

    expect(signals).toEqual(['once.ks.njk']);
    const logged = srv.logs.filter((l) => l.msg === 'kickstart render failed' && l.host === reg.id);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.err).toBe('params.mirror is undefined at once.ks.njk:2');
    const host = (await request(srv.url).get(`/api/v1/hosts/${reg.id}`).set(admin()).expect(200)).body as {
      events: { type: string; message: string }[];
    };
    expect(host.events.filter((e) => e.type === 'render-failed').map((e) => e.message)).toEqual([
      'params.mirror is undefined at once.ks.njk:2',
    ]);

    // Fixed: the next poll renders again and gets its kickstart.
    await request(srv.url)
      .put('/api/v1/templates/once.ks.njk')
      .set(admin())
      .send({ content: 'text\nurl --url={{ params.repo | ksarg }}\n' });
    const fixed = await poll();
    expect(fixed.status).toBe(200);
    expect(fixed.text).toContain('url --url=http://r/');
  });
});
