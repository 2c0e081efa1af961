// One writer per answer (src/http/poll-answer.ts): the poll answered before express (fast-poll.ts) and
// the express route on its own give the same status, headers and bytes.
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
});
afterAll(async () => srv.stop());

/** What a poll's answer is, without what differs per connection or per moment. */
function answer(res: request.Response) {
  const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...headers } = res.headers as Record<string, string>;
  return { status: res.status, headers, body: res.text };
}

async function both(id: string, token: string) {
  const poll = (target: string | TestServer['running']['app']) =>
    request(target).get(`/api/v1/discovery/${id}/next`).set('Authorization', `Bearer ${token}`);
  return { server: answer(await poll(srv.url)), express: answer(await poll(srv.running.app)) };
}

describe('poll answers', () => {
  it('When a host waits, then the server and express alone answer the same 202, headers and body', async () => {
    const reg = (
      await request(srv.url)
        .post('/api/v1/discovery')
        .send(sampleFacts({ boot_mac: '52:54:00:00:5a:01' }))
        .expect(201)
    ).body as { id: string; token: string };
    const { server, express } = await both(reg.id, reg.token);
    expect(server.status).toBe(202);
    expect(express).toEqual(server);
  });

  it('When a host has a kickstart, then both answer the same 200 with the same bytes', async () => {
    const reg = (
      await request(srv.url)
        .post('/api/v1/discovery')
        .send(sampleFacts({ boot_mac: '52:54:00:00:5a:02' }))
        .expect(201)
    ).body as { id: string; token: string };
    await request(srv.url)
      .post(`/api/v1/hosts/${reg.id}/assignment`)
      .set('Authorization', `Bearer ${srv.adminToken}`)
      .send({ action: 'kickstart', template: 'plain.ks.njk', hostname: 'pa.example.com' })
      .expect(200);
    const { server, express } = await both(reg.id, reg.token);
    expect(server.status).toBe(200);
    expect(server.headers['x-kickstand-action']).toBe('kickstart');
    // The base URL in the kickstart is the address each connection used: the same here (loopback).
    expect({ ...express, body: express.body.replaceAll(/127\.0\.0\.1:\d+/g, 'HOST') }).toEqual({
      ...server,
      body: server.body.replaceAll(/127\.0\.0\.1:\d+/g, 'HOST'),
    });
  });
});
