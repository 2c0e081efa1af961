// The poll use case answers synchronously when this instance's copy decides it (a known host, its own
// token): nearly every poll costs no promise (docs/performance.md). Everything else — a stranger, a
// first render — is a promise, with the same checks as before.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerPoll } from '../../src/discovery/answer-poll.js';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { registerMachine } from '../support/sessions.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
});
afterAll(async () => srv.stop());

const register = (mac: string) => registerMachine(srv.url, sampleFacts({ boot_mac: mac }));

const poll = (id: string, token: string | undefined, ip = '192.0.2.50') =>
  answerPoll(srv.running.deps, id, token, ip, () => 'http://192.0.2.1:8080');

describe('answerPoll', () => {
  it('When a known host polls with its token while waiting, then the answer is not a promise and last-seen moves', async () => {
    const reg = await register('52:54:00:00:6a:01');
    const answer = poll(reg.id, reg.token, '192.0.2.51');
    expect(answer).not.toBeInstanceOf(Promise);
    expect(answer).toEqual({ action: 'wait', retryAfter: srv.running.deps.config.pollInterval });
    expect(srv.running.deps.store.hosts.peek(reg.id)?.last_seen_ip).toBe('192.0.2.51');
  });

  it('When the token is wrong, missing or the host unknown, then it is a rejected promise (401) and last-seen does not move', async () => {
    const reg = await register('52:54:00:00:6a:02');
    const before = srv.running.deps.store.hosts.peek(reg.id)?.last_seen_ip;
    for (const [id, token] of [
      [reg.id, 'not-the-token-0123456789'],
      [reg.id, undefined],
      ['zzzzzzzzzzzz', reg.token],
    ] as const) {
      const answer = poll(id, token, '192.0.2.99');
      expect(answer).toBeInstanceOf(Promise);
      await expect(answer).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    }
    expect(srv.running.deps.store.hosts.peek(reg.id)?.last_seen_ip).toBe(before);
  });

  it('When a kickstart is assigned, then the first poll renders (a promise) and the repeats are served from the cache synchronously', async () => {
    const reg = await register('52:54:00:00:6a:03');
    await request(srv.url)
      .post(`/api/v1/hosts/${reg.id}/assignment`)
      .set('Authorization', `Bearer ${srv.adminToken}`)
      .send({ action: 'kickstart', template: 'plain.ks.njk', hostname: 'ap.example.com' })
      .expect(200);
    const first = poll(reg.id, reg.token);
    expect(first).toBeInstanceOf(Promise);
    const rendered = await first;
    expect(rendered.action).toBe('kickstart');
    expect(srv.running.deps.store.hosts.peek(reg.id)?.state).toBe('provisioning');
    const again = poll(reg.id, reg.token);
    expect(again).not.toBeInstanceOf(Promise);
    expect(again).toEqual(rendered);
  });
});
