// Requests and responses made as express's from birth. Express gives each request and response its app's
// prototypes as it arrives (`Object.setPrototypeOf` in app.handle), and V8 gives every object so changed
// a hidden class of its own. node:http's and the streams' functions serve every request, the machines'
// polls included, so once express has read some request bodies their inline caches have seen hundreds
// of shapes and stay megamorphic: in a process that has served 1,000 registrations, the same bare answer
// ran at about three quarters of its rate in a fresh process. Made as instances of these subclasses,
// whose prototypes are express's, the objects keep one class, and express's setPrototypeOf is a no-op
// (the same prototype). docs/performance.md, "The process floor", has the figures.
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';

export interface HttpClasses {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
}

/** The classes for createServer's options; points `app` at their prototypes. Call once per app. */
export function expressBorn(app: Express): HttpClasses {
  class Request extends IncomingMessage {}
  class Response extends ServerResponse {}
  // Request.prototype → app.request → express's request → IncomingMessage.prototype (the same for responses).
  Object.setPrototypeOf(Request.prototype, app.request);
  Object.setPrototypeOf(Response.prototype, app.response);
  app.request = Request.prototype as unknown as Express['request'];
  app.response = Response.prototype as unknown as Express['response'];
  return { IncomingMessage: Request, ServerResponse: Response as typeof ServerResponse };
}
