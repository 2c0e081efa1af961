// Responses compressed for clients that ask (Accept-Encoding): the hosts page and the API's lists are
// text that shrinks tenfold. Not here: the machines' discovery routes (the poll's fast path,
// http/fast-poll.ts, answers before express and uncompressed; its express twin must answer the same
// bytes and headers), anything but pages, JSON, styles and scripts (boot files, initrds, kernels,
// images), and byte ranges (a resumed download must get the bytes it asked for, with their length).
import compression from 'compression';
import type { RequestHandler } from 'express';

// What people's browsers and scripts read: pages, JSON, styles and scripts. Boot files, images and
// kernels are left alone whatever type they carry (a resumed initrd download needs its length).
const PEOPLE = /^(text\/html|application\/json|text\/css|text\/javascript|application\/javascript)\b/i;

export function compress(): RequestHandler {
  const compressing = compression({
    filter: (req, res) => !req.headers.range && PEOPLE.test(String(res.getHeader('Content-Type') ?? '')),
  });
  // `compression` gives every response it sees closures of its own in place of writeHead, write, end
  // and on — before it knows whether it will compress — and those per-response functions slow down
  // node:http for every request after, the machines' polls included (docs/performance.md, "The process
  // floor"). So it sees only requests it may compress: ones that ask for it (browsers and scripts do;
  // Anaconda's and dracut's curl do not), and never the machines' discovery routes.
  return (req, res, next) => {
    if (machineRoute(req.url) || !req.headers['accept-encoding']) next();
    else void compressing(req, res, next);
  };
}

/** Registration, polls and install events: small answers to machines, the same bytes on either path. */
function machineRoute(url: string): boolean {
  if (!url.startsWith(DISCOVERY)) return false;
  const next = url.charCodeAt(DISCOVERY.length);
  return Number.isNaN(next) || next === 0x2f || next === 0x3f; // end, '/' or '?'
}

const DISCOVERY = '/api/v1/discovery';
