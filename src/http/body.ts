// JSON bodies: parsed only when they say they are JSON, capped in size, and every failure turned
// into our error shape (express 5 leaves req.body undefined when nothing parsed it).
import express, { type RequestHandler } from 'express';
import { AppError, errors } from '../errors.js';

/** The checks every body parser here starts with: the media type, then the announced size. A body
 *  announced over the limit is refused before a byte of it is read, and the connection closed:
 *  body-parser would first drain all of it (a claimed gigabyte held the 413 back until the request
 *  timeout). Compressed bodies are measured decompressed, by body-parser. */
function announced(types: string | string[], limitBytes: number, wrongType: string): RequestHandler {
  return (req, res, next) => {
    if (!req.is(types)) {
      next(new AppError('UNSUPPORTED_MEDIA_TYPE', wrongType, 'content-type'));
      return;
    }
    if (Number(req.headers['content-length']) > limitBytes && (req.headers['content-encoding'] ?? 'identity') === 'identity') {
      res.setHeader('Connection', 'close');
      next(errors.bodyTooLarge(limitBytes));
      return;
    }
    next();
  };
}

export function jsonBody(limitBytes: number): RequestHandler[] {
  return [
    announced('application/json', limitBytes, 'the body must be JSON (Content-Type: application/json)'),
    express.json({ limit: limitBytes, strict: true, type: 'application/json' }),
    (req, _res, next) => {
      if (req.body === undefined) next(new AppError('BAD_JSON', 'the body is empty', 'body'));
      else next();
    },
  ];
}

/** A text body of one of `types` (an uploaded list: text/csv, application/json), read as a string
 *  (UTF-8 unless the charset says otherwise), capped like jsonBody. `req.body` is the text. */
export function textBody(types: readonly string[], limitBytes: number): RequestHandler[] {
  return [
    announced([...types], limitBytes, `the body must be ${types.join(' or ')} (Content-Type)`),
    express.text({ limit: limitBytes, type: [...types] }),
    (req, _res, next) => {
      if (typeof req.body !== 'string') next(new AppError('VALIDATION', 'the body is empty', 'body'));
      else next();
    },
  ];
}
