// The bare answer: a node:http server answering one status, headers and body, with no routing, no
// auth, no store. The benchmark's speed figures are ratios against it, so it must be the fastest honest
// server for those bytes: a slow baseline flatters the ratio. Several ways of writing the same answer
// through node:http's public API (the bench measures them and keeps the fastest):
//   spread     {...headers, 'Content-Length'} built per request (what the bench used to do)
//   prebuilt   one headers object, Content-Length included, built when the answer is set; body a Buffer
//   raw-array  a flat [name, value, …] array built once: writeHead(status, array) skips the object walk
//   raw-string raw-array with the body as a string: node:http then sends head and body in one write
//              instead of a head string and a Buffer (for a body that is valid UTF-8, else a Buffer)
// Every variant still parses the request, drains it, and lets node:http add Date, Connection and
// Keep-Alive, as it does for Kickstand: the bytes on the wire are the same.
//
// Two processes run it: the baseline's own (baseline-worker.mjs), and the service's (server-worker.mjs),
// beside Kickstand, where it measures what the process itself costs node:http once it has served the
// registrations (docs/performance.md, "The process floor").
import { createServer } from 'node:http';

export const VARIANTS = ['spread', 'prebuilt', 'raw-array', 'raw-string'];

/** Listens on 127.0.0.1 (any port); `answer` and `variant` change what it sends. */
export function bareServer(onListening) {
  let answer = { status: 202, headers: {}, body: Buffer.alloc(0) };
  let prebuilt = {};
  let raw = [];
  let text = '';
  const handlers = {
    spread: (req, res) => {
      req.resume();
      res.writeHead(answer.status, { ...answer.headers, 'Content-Length': answer.body.length });
      res.end(answer.body);
    },
    prebuilt: (req, res) => {
      req.resume();
      res.writeHead(answer.status, prebuilt);
      res.end(answer.body);
    },
    'raw-array': (req, res) => {
      req.resume();
      res.writeHead(answer.status, raw);
      res.end(answer.body);
    },
    'raw-string': (req, res) => {
      req.resume();
      res.writeHead(answer.status, raw);
      res.end(text);
    },
  };
  let handle = handlers.spread;
  const server = createServer((req, res) => handle(req, res));
  server.keepAliveTimeout = 5000;
  server.listen(0, '127.0.0.1', () => onListening(`http://127.0.0.1:${server.address().port}`));
  return {
    server,
    answer(status, headers, body) {
      answer = { status, headers, body };
      prebuilt = { ...headers, 'Content-Length': String(body.length) };
      raw = Object.entries(prebuilt).flat();
      const decoded = body.toString('utf8');
      text = Buffer.byteLength(decoded) === body.length && Buffer.from(decoded).equals(body) ? decoded : body;
    },
    variant(name) {
      if (!handlers[name]) throw new Error(`bare server: no variant ${name}`);
      handle = handlers[name];
    },
  };
}
