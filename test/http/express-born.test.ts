// Requests and responses are made as express's from birth (src/http/express-born.ts), so that express's
// setPrototypeOf changes nothing and every request keeps one hidden class; and compression is done in
// res.send, touching no response it does not compress (src/http/compress.ts). Both keep node:http fast for the polls that come
// after other requests (docs/performance.md, "The process floor").
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInThisContext } from 'node:vm';
import express, { type Request, type Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { expressBorn } from '../../src/http/express-born.js';
import { compressSends } from '../../src/http/compress.js';

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

describe('compressSends', () => {
  /** A born server whose app compresses in res.send; every response it made is kept. */
  async function compressing(): Promise<{ url: string; ress: Response[]; held: Buffer }> {
    const app = express();
    compressSends(app);
    const ress: Response[] = [];
    const held = Buffer.from('h'.repeat(4096));
    app.use((_req, res, next) => {
      ress.push(res);
      next();
    });
    app.get('/held.css', (_req, res) => void res.type('css').send(held));
    app.get('/no-transform', (_req, res) => void res.set('Cache-Control', 'no-transform').json({ padding: 'x'.repeat(4096) }));
    app.get('/small', (_req, res) => void res.json({ small: true }));
    app.use((_req, res) => void res.json({ padding: 'x'.repeat(4096) }));
    return { url: await listen(app, true), ress, held };
  }

  async function get(
    url: string,
    headers: Record<string, string> = {},
  ): Promise<{ encoding: string | null; vary: string | null; type: string | null; body: Buffer }> {
    const r = await fetch(url, { headers });
    // fetch gunzips the body; the headers still say how it was sent.
    const body = Buffer.from(await r.arrayBuffer());
    return { encoding: r.headers.get('content-encoding'), vary: r.headers.get('vary'), type: r.headers.get('content-type'), body };
  }

  it('When a browser asks for a page, a list or a held file with Accept-Encoding: gzip, then it is gzipped, with Vary and the type express would give', async () => {
    const { url } = await compressing();
    const list = await get(`${url}/api/v1/hosts`, { 'Accept-Encoding': 'gzip' });
    expect(list).toMatchObject({ encoding: 'gzip', vary: 'Accept-Encoding', type: 'application/json; charset=utf-8' });
    expect(JSON.parse(list.body.toString())).toEqual({ padding: 'x'.repeat(4096) });
    // Only the exact discovery routes are the machines': a path that merely starts with the same letters is not.
    expect((await get(`${url}/api/v1/discoveryish`, { 'Accept-Encoding': 'gzip' })).encoding).toBe('gzip');
    const css = await get(`${url}/held.css`, { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(css).toMatchObject({ encoding: 'gzip', type: 'text/css; charset=utf-8' });
    expect(css.body.toString()).toBe('h'.repeat(4096));
  });

  it('When compression is not asked for, not allowed, too small or a machine route, then the body goes as express sends it', async () => {
    const { url } = await compressing();
    expect((await get(`${url}/api/v1/hosts`, { 'Accept-Encoding': '' })).encoding).toBeNull();
    expect((await get(`${url}/api/v1/hosts`, { 'Accept-Encoding': 'identity' })).encoding).toBeNull();
    expect((await get(`${url}/api/v1/hosts`, { 'Accept-Encoding': 'gzip', Range: 'bytes=0-9' })).encoding).toBeNull();
    expect((await get(`${url}/no-transform`, { 'Accept-Encoding': 'gzip' })).encoding).toBeNull();
    expect((await get(`${url}/small`, { 'Accept-Encoding': 'gzip' })).encoding).toBeNull();
    for (const path of ['/api/v1/discovery', '/api/v1/discovery?x=1', '/api/v1/discovery/abc/next', '/api/v1/discovery/abc/events']) {
      const machine = await get(`${url}${path}`, { 'Accept-Encoding': 'gzip' });
      expect(machine).toMatchObject({ encoding: null, vary: null, type: 'application/json; charset=utf-8' });
    }
  });

  it('When responses are and are not compressed, then none gets functions of its own, and all keep one hidden class', async () => {
    const { url, ress } = await compressing();
    await get(`${url}/api/v1/hosts`, { 'Accept-Encoding': '' });
    await get(`${url}/api/v1/hosts`, { 'Accept-Encoding': 'gzip' });
    await get(`${url}/api/v1/hosts`, { 'Accept-Encoding': 'gzip' });
    await get(`${url}/api/v1/discovery`, { 'Accept-Encoding': 'gzip' });
    expect(ress).toHaveLength(4);
    for (const res of ress) for (const name of ['writeHead', 'write', 'end', 'on']) expect(Object.hasOwn(res, name)).toBe(false);
    for (const res of ress.slice(1)) expect(sameMap(ress[0]!, res)).toBe(true);
  });
});
