// GET /metrics: the Prometheus endpoint (docs/notifications.md#metrics). Open on the service port by default, as
// Prometheus exporters and MAAS are: it holds counts and latencies, never a host id, hostname, MAC or
// secret (metrics/metrics.ts). KICKSTAND_METRICS_TOKEN makes it ask for a bearer token — its own, so a
// scraper's configuration never holds an admin's key — and KICKSTAND_METRICS=off removes it (404).
import { Router } from 'express';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { hashToken, tokenMatches } from '../hosts/tokens.js';
import { processRegistry } from '../metrics/process-metrics.js';
import { bearer } from './auth.js';

export function metricsRoutes(deps: Pick<Deps, 'config' | 'metrics'>): Router {
  const router = Router();
  if (!deps.config.metrics) return router;
  // Node's collectors start with the endpoint: a first scrape then already has GC and lag figures.
  processRegistry();
  const tokenHash = deps.config.metricsToken === undefined ? undefined : hashToken(deps.config.metricsToken);
  router.get('/metrics', async (req, res) => {
    if (tokenHash !== undefined) {
      const token = bearer(req);
      if (!token || !tokenMatches(token, tokenHash)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="kickstand-metrics"');
        throw new AppError('UNAUTHORIZED', 'missing or invalid metrics token');
      }
    }
    // Prometheus asks for OpenMetrics first when it can read it; anyone else gets the text format 0.0.4.
    const openMetrics = /application\/openmetrics-text/i.test(req.headers.accept ?? '');
    const { contentType, body } = await deps.metrics.scrape(openMetrics);
    res.status(200).type(contentType).send(body);
  });
  return router;
}
