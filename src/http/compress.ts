// Responses compressed for clients that ask (Accept-Encoding: gzip): the hosts page and the API's lists
// are text that shrinks tenfold. Not here: the machines' discovery routes (the poll's fast path,
// http/fast-poll.ts, answers before express and uncompressed; its express twin must answer the same
// bytes and headers), anything but pages, JSON, styles and scripts (boot files, initrds, kernels,
// images), and byte ranges (a resumed download must get the bytes it asked for, with their length).
//
// Why not the `compression` middleware: it gives every response it sees closures of its own in place
// of writeHead, write, end and on, a 'close' listener and an on-headers hook, before it knows whether it
// will compress, and a process whose responses have gone through it runs node:http's own code about a
// fifth slower for every request after — the machines' polls included (docs/performance.md, "The
// process floor"). Every body people read leaves through express's res.send: pages are rendered to a
// string, lists go through res.json, and the stylesheet, scripts and the API reference's files are held
// in memory. So compression is done there, once, on the app's response prototype: a response that is
// not compressed is not touched.
import { gzip } from 'node:zlib';
import type { Express, Request, Response } from 'express';

// What people's browsers and scripts read: pages, JSON, styles and scripts. Boot files, images and
// kernels are left alone whatever type they carry (a resumed initrd download needs its length).
const PEOPLE = /^(text\/html|application\/json|text\/css|text\/javascript|application\/javascript)\b/i;

/** Below this, gzip's header and the client's work cost more than the bytes saved. */
const THRESHOLD = 1024;

type Send = (this: Response, body?: unknown) => Response;

/** Makes the app's res.send compress what it may. Call once, on the app. */
export function compressSends(app: Express): void {
  const send = app.response.send as Send;
  const compressing: Send = function (body) {
    if (typeof body !== 'string' && !Buffer.isBuffer(body)) return send.call(this, body);
    const type = typeOf(this, body);
    if (!mayCompress(this.req, this, type)) return send.call(this, body);
    this.vary('Accept-Encoding');
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    if (bytes.length < THRESHOLD || this.req.acceptsEncodings('gzip', 'identity') !== 'gzip') return send.call(this, body);
    // As express would for a string: its type (a page by default) with the charset it is encoded in.
    if (typeof body === 'string') this.set('Content-Type', withCharset(type ?? 'text/html'));
    gzipped(bytes, Buffer.isBuffer(body), (gz) => {
      if (this.headersSent || this.destroyed) return;
      if (gz) this.set('Content-Encoding', 'gzip');
      send.call(this, gz ?? bytes);
    });
    return this;
  };
  app.response.send = compressing as Express['response']['send'];
}

function typeOf(res: Response, body: string | Buffer): string | undefined {
  const type = res.get('Content-Type');
  return type ?? (typeof body === 'string' ? 'text/html' : undefined);
}

function mayCompress(req: Request, res: Response, type: string | undefined): boolean {
  return (
    type !== undefined &&
    PEOPLE.test(type) &&
    req.method !== 'HEAD' &&
    !req.headers.range &&
    !machineRoute(req.originalUrl) &&
    res.statusCode >= 200 &&
    res.statusCode !== 204 &&
    res.statusCode !== 304 &&
    res.get('Content-Encoding') === undefined &&
    !/\bno-transform\b/i.test(res.get('Cache-Control') ?? '')
  );
}

/** Registration, polls and install events: small answers to machines, the same bytes on either path. */
function machineRoute(url: string): boolean {
  if (!url.startsWith(DISCOVERY)) return false;
  const next = url.charCodeAt(DISCOVERY.length);
  return Number.isNaN(next) || next === 0x2f || next === 0x3f; // end, '/' or '?'
}

const DISCOVERY = '/api/v1/discovery';

function withCharset(type: string): string {
  return /;\s*charset=/i.test(type) ? type : `${type}; charset=utf-8`;
}

// A body held in memory (the stylesheet, the scripts, the API reference's files) is the same Buffer at
// every request: compressed once, kept as long as the Buffer lives.
const kept = new WeakMap<Buffer, Buffer>();

/** The gzip of `bytes`, or undefined if zlib failed (then the body goes uncompressed). */
function gzipped(bytes: Buffer, keep: boolean, done: (gz: Buffer | undefined) => void): void {
  const known = keep ? kept.get(bytes) : undefined;
  if (known) {
    done(known);
    return;
  }
  gzip(bytes, (err, gz) => {
    if (!err && keep) kept.set(bytes, gz);
    done(err ? undefined : gz);
  });
}
