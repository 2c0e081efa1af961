// Responses compressed for clients that ask (Accept-Encoding): the hosts page and the API's lists are
// text that shrinks tenfold. Not here: the machines' discovery routes (the poll's fast path,
// http/fast-poll.ts, answers before express and uncompressed; its express twin must answer the same
// bytes and headers, and a registration answer is a few hundred bytes), bodies already compressed or binary (compression's own filter skips types mime-db does not
// call compressible: images, kernels, initrds, octet-stream), and byte ranges (a resumed download must
// get the bytes it asked for, with their length).
import compression from 'compression';
import type { RequestHandler } from 'express';

export function compress(): RequestHandler {
  return compression({
    filter: (req, res) => !req.headers.range && !(req.url ?? '').startsWith('/api/v1/discovery/') && compression.filter(req, res),
  });
}
