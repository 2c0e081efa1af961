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
  return compression({
    filter: (req, res) =>
      !req.headers.range && !req.url.startsWith('/api/v1/discovery/') && PEOPLE.test(String(res.getHeader('Content-Type') ?? '')),
  });
}
