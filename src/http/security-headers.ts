// Security headers on every response: the pages (web forms), the API, the machines' routes, the fast
// poll path and even the raw answers Node gives to requests it cannot parse. Express sets them in its
// first middleware (createApp); the fast poll path writes them with its own headers in one writeHead
// (http/fast-poll.ts); answerClientError below adds them to Node's own answers. A handful of constant
// headers does not need helmet.
//
// The CSP is sent on every response, not only HTML: it costs nothing on JSON or a kickstart, and a
// response whose type a browser guesses differently stays locked down. The pages have no inline
// script or style (src/web/views, src/web/static): keep it that way, 'unsafe-inline' is not an option.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestHandler } from 'express';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

/** The same, as express middleware (first in createApp), with `Cache-Control: no-store` as every
 *  answer's default: kickstarts, registration and token answers, pages with CSRF tokens must never sit
 *  in a proxy's or browser's cache, and a default cannot be forgotten by the next route that adds a
 *  secret. The few answers worth caching say so themselves (static files, the product.img overlay). The fast
 *  poll path sets it on its own answers (http/fast-poll.ts). */
export function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    setSecurityHeaders(res);
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
}

const CLIENT_ERROR_STATUS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Payload Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

/** server.on('clientError'): what Node answers by itself to a request it cannot parse (400, 408, 431),
 *  with the headers — Node's own answer has none. Written only when no response is under way on the
 *  socket, as Node does, so a half-sent answer is never corrupted. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, reason] = CLIENT_ERROR_STATUS[err.code ?? ''] ?? [400, 'Bad Request'];
  const headers = Object.entries(SECURITY_HEADERS)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  // Closed for good once written (Node's own answer does the same): a client that never reads or
  // closes must not keep a half-closed socket.
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${headers}Content-Length: 0\r\nConnection: close\r\n\r\n`, () => socket.destroy());
  setTimeout(() => socket.destroy(), 2_000).unref();
}
