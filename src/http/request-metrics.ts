// kickstand_http_request_duration_seconds for every request express answers. The route label is the
// pattern express matched (`/api/v1/hosts/:id`), never the URL: ids, MACs and hostnames travel in URLs,
// and one series per host would both leak them and swamp Prometheus. A request no route matched (a
// static file, a 404, a refusal before routing) is "unmatched"; the status is its class (2xx…).
import type { Request, RequestHandler } from 'express';
import type { Metrics } from '../metrics/metrics.js';

export const UNMATCHED = 'unmatched';

export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      metrics.httpDuration.observe(
        { method: methodOf(req), route: routeOf(req), status: `${Math.floor(res.statusCode / 100)}xx` },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    next();
  };
}

/** Every router is mounted at the root (app.ts), so the route's own path is the full pattern. */
function routeOf(req: Request): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : UNMATCHED;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Node accepts any token as a method: anything unusual is one label, not one per client's fancy. */
function methodOf(req: Request): string {
  return METHODS.has(req.method) ? req.method : 'OTHER';
}
