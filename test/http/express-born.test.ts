// Requests and responses are made as express's from birth (src/http/express-born.ts), so that express's
// setPrototypeOf changes nothing and every request keeps one hidden class; and compression only sees
// the requests it may compress (src/http/compress.ts). Both keep node:http fast for the polls that come
// after other requests (docs/performance.md, "The process floor").
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInThisContext } from 'node:vm';
import express, { type Request, type Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { expressBorn } from '../../src/http/express-born.js';
import { compress } from '../../src/http/compress.js';

// V8's own test of "one hidden class", compiled after the flag is set (the flag only changes how later
// code is parsed).
setFlagsFromString('--allow-natives-syntax');
const sameMap = runInThisContext('(a, b) => %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function listen(app: express.Express, born: boolean): Promise<string> {
  const handler = (req: IncomingMessage, res: ServerResponse) => void app(req, res);
  server = born ? createServer(expressBorn(app), handler) : createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Sends `n` JSON bodies through express and keeps the requests and responses it saw. */
async function through(born: boolean, n: number): Promise<{ reqs: Request[]; ress: Response[]; app: express.Express }> {
  const app = express();
  const reqs: Request[] = [];
  const ress: Response[] = [];
  app.use(express.json());
  app.post('/r', (req, res) => {
    reqs.push(req);
    ress.push(res);
    res.status(201).json({ got: req.body as unknown, ip: req.ip, json: typeof res.json });
  });
  const url = await listen(app, born);
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${url}/r`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ i }) });
    expect(r.status).toBe(201);
    expect(await r.json()).toEqual({ got: { i }, ip: '127.0.0.1', json: 'function' });
  }
  return { reqs, ress, app };
}

describe('expressBorn', () => {
  it('When requests go through express on a born server, then express works and they share one hidden class', async () => {
    const { reqs, ress, app } = await through(true, 3);
    for (const req of reqs) expect(Object.getPrototypeOf(req)).toBe(app.request);
    for (const res of ress) expect(Object.getPrototypeOf(res)).toBe(app.response);
    expect(sameMap(reqs[1]!, reqs[2]!)).toBe(true);
    expect(sameMap(ress[1]!, ress[2]!)).toBe(true);
  });

  it('When requests go through express on a plain server, then each gets a class of its own (what the born server avoids)', async () => {
    const { reqs, ress } = await through(false, 3);
    expect(sameMap(reqs[1]!, reqs[2]!)).toBe(false);
    expect(sameMap(ress[1]!, ress[2]!)).toBe(false);
  });
});

describe('compress', () => {
  /** Whether compression replaced the response's own functions, seen by the route. */
  async function patched(path: string, headers: Record<string, string>): Promise<{ patched: boolean; encoding: string | null }> {
    const app = express();
    app.use(compress());
    app.use((_req, res) => void res.json({ patched: Object.hasOwn(res, 'end'), padding: 'x'.repeat(4096) }));
    const url = await listen(app, true);
    const r = await fetch(`${url}${path}`, { headers });
    const body = (await r.json()) as { patched: boolean };
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    return { patched: body.patched, encoding: r.headers.get('content-encoding') };
  }

  it('When a browser asks for a page or a list with Accept-Encoding, then it is compressed', async () => {
    expect(await patched('/api/v1/hosts', { 'Accept-Encoding': 'gzip' })).toEqual({ patched: true, encoding: 'gzip' });
    // Only the exact discovery routes are the machines': a path that merely starts with the same letters is not.
    expect(await patched('/api/v1/discoveryish', { 'Accept-Encoding': 'gzip' })).toEqual({ patched: true, encoding: 'gzip' });
  });

  it('When a client does not ask for compression, or a machine route is asked, then compression never touches the response', async () => {
    expect(await patched('/api/v1/hosts', { 'Accept-Encoding': '' })).toEqual({ patched: false, encoding: null });
    for (const path of ['/api/v1/discovery', '/api/v1/discovery?x=1', '/api/v1/discovery/abc/next', '/api/v1/discovery/abc/events'])
      expect(await patched(path, { 'Accept-Encoding': 'gzip' })).toEqual({ patched: false, encoding: null });
  });
});
