// The one place errors become responses: AppErrors carry their status and field; body-parser errors
// are mapped to our codes; anything else is a bug, logged with its stack and answered with no detail.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, errors, messageOf } from '../errors.js';
import type { Logger } from '../log.js';

export function notFound(): RequestHandler {
  return (req, _res, next) => next(new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const e = toAppError(err);
    // A BMC that failed an operation (502/504 BMC_*) is another machine's fault, already on the host's
    // timeline: a warning, not an error of ours.
    if (e.status >= 500 && e.code.startsWith('BMC_')) log.warn({ code: e.code, method: req.method, path: req.path }, e.message);
    else if (e.status >= 500)
      log.error({ err, method: req.method, path: req.path }, e.code === 'INTERNAL' ? 'unexpected error' : e.message);
    if (res.headersSent) return;
    // People on the web pages get a page; machines and API clients get JSON.
    if (!req.path.startsWith('/api/') && req.path !== '/ks' && req.accepts(['json', 'html']) === 'html') {
      res
        .status(e.status)
        .type('html')
        .send(
          `<!doctype html><meta charset="utf-8"><title>${e.status}</title><link rel="stylesheet" href="/static/kickstand.css"><main><h1>${e.status}</h1><p class="error">${escapeHtml(e.message)}</p><p><a href="/hosts">Back to the hosts</a></p></main>`,
        );
      return;
    }
    res.status(e.status).json(e.toJSON());
  };
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const type = (err as { type?: string }).type;
  switch (type) {
    case 'entity.parse.failed':
      return new AppError('BAD_JSON', `malformed JSON: ${messageOf(err)}`, 'body');
    case 'entity.too.large':
      return errors.bodyTooLarge((err as { limit?: number }).limit ?? '?');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'the body must be UTF-8 JSON', 'content-type');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError('BAD_JSON', 'the body could not be read', 'body');
  }
  // The router could not percent-decode a path parameter (`/api/v1/hosts/%E0`): the URL is at fault.
  if (err instanceof URIError) return new AppError('VALIDATION', 'the URL path holds invalid percent-encoding', 'path');
  // A body sent with Content-Encoding gzip, deflate or br that does not decompress: body-parser
  // passes zlib's error on as a 400 without a type.
  if ((err as { status?: unknown }).status === 400 && typeof (err as { errno?: unknown }).errno === 'number') {
    return new AppError('BAD_JSON', 'the body could not be decompressed (Content-Encoding)', 'body');
  }
  return errors.internal();
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
