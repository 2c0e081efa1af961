// One writer per answer (src/http/poll-answer.ts): the poll answered before express (fast-poll.ts) and
// the express route on its own give the same status, headers and bytes.
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { registerMachine } from '../support/sessions.js';

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

  it('When Authorization comes twice, then the fast path and express both take the first, as node does', async () => {
    const reg = await registerMachine(srv.url, sampleFacts({ boot_mac: '52:54:00:00:5a:09' }));
    const twice = (first: string, second: string) =>
      `GET /api/v1/discovery/${reg.id}/next HTTP/1.1\r\nHost: 127.0.0.1\r\nauthorization: Bearer ${first}\r\nAUTHORIZATION: Bearer ${second}\r\nConnection: close\r\n\r\n`;
    const status = async (url: URL, raw: string) => Number((await rawHttp(url, raw)).split(' ')[1]);
    // express alone (no fast path in front) reads req.headers: it must choose the same.
    const alone = createServer(srv.running.app);
    await new Promise<void>((resolve) => alone.listen(0, '127.0.0.1', resolve));
    try {
      const expressUrl = new URL(`http://127.0.0.1:${(alone.address() as AddressInfo).port}`);
      for (const url of [new URL(srv.url), expressUrl]) {
        expect(await status(url, twice(reg.token, 'wrong-token-0123456789'))).toBe(202);
        expect(await status(url, twice('wrong-token-0123456789', reg.token))).toBe(401);
      }
    } finally {
      await new Promise((resolve) => alone.close(resolve));
    }
  });
});

function rawHttp(url: URL, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(raw));
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}
