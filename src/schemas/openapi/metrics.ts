// Prometheus metrics (docs/notifications.md#metrics): text, not JSON, so no schema beyond a string.
import type { ApiArea } from './area.js';
import { errors, OPEN } from './build.js';

const TAG = 'Metrics';

export const metrics: ApiArea = {
  tag: { name: TAG, description: 'Prometheus scrape endpoint: counts and latencies, never a host id, MAC, hostname or token.' },
  paths: {
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Metrics in the Prometheus text format (OpenMetrics when Accept asks for it)',
        description:
          'Open by default, like MAAS. With KICKSTAND_METRICS_TOKEN set it takes `Authorization: Bearer <that token>` only (401 otherwise, with `WWW-Authenticate: Bearer`); KICKSTAND_METRICS=off answers 404.',
        tags: [TAG],
        security: OPEN,
        responses: {
          '200': {
            description: 'the metrics',
            content: {
              'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } },
              'application/openmetrics-text; version=1.0.0; charset=utf-8': { schema: { type: 'string' } },
            },
          },
          ...errors([401, 'KICKSTAND_METRICS_TOKEN is set and the request does not carry it'], [404, 'KICKSTAND_METRICS=off']),
        },
      },
    },
  },
};
