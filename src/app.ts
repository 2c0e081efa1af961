// createApp: wiring only. Every route module receives what it needs; no logic lives here.
import express, { type Express } from 'express';
import type { Deps } from './deps.js';
import { discoveryRoutes } from './http/discovery.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { hostRoutes } from './http/hosts.js';
import { powerRoutes } from './http/power.js';
import { openApiRoutes } from './http/openapi.js';
import { apiReferenceRoutes } from './http/api-reference.js';
import { profileRoutes } from './http/profiles.js';
import { ruleRoutes } from './http/rules.js';
import { userRoutes } from './http/users.js';
import { webRoutes } from './web/index.js';
import { auditRoutes } from './http/audit.js';
import { requestLog } from './http/request-log.js';
import { securityHeaders } from './http/security-headers.js';
import { compressSends } from './http/compress.js';
import { stubRoutes } from './http/stub.js';
import { templateRoutes } from './http/templates.js';
import { imageRoutes } from './http/images.js';
import { bootRoutes } from './http/boot.js';
import { discoveryImageRoutes } from './http/discovery-image.js';
import { installerRoutes } from './http/installers.js';
import { healthRoutes } from './http/health.js';
import { metricsRoutes } from './http/metrics.js';
import { requestMetrics } from './http/request-metrics.js';
import { webhookRoutes } from './http/webhooks.js';
import { bmcAdoptRoutes } from './http/bmc-adopt.js';
import { bmcRoutes } from './http/bmc.js';
import { expectedClaimRoutes } from './http/expected-claim.js';
import { tagRoutes } from './http/tags.js';
import { expectedHostRoutes } from './http/expected-hosts.js';

const VERSION = '0.1.0';

export function createApp(deps: Deps, adminToken: string): Express {
  const app = express();
  // Pages, lists, styles and scripts gzipped for clients that ask, in res.send (http/compress.ts).
  compressSends(app);
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(securityHeaders());
  // First after the headers, so a request's time covers every middleware after it.
  app.use(requestMetrics(deps.metrics));
  app.use(requestLog(deps.log));
  // The machines' routes first: a registration storm should not walk every other router to find them.
  app.use(discoveryRoutes(deps));
  app.use(stubRoutes(deps));
  app.use(imageRoutes(deps));
  app.use(bootRoutes(deps));
  app.use(discoveryImageRoutes(deps));
  app.use(ruleRoutes(deps, adminToken));
  app.use(powerRoutes(deps, adminToken));
  app.use(tagRoutes(deps, adminToken));
  app.use(hostRoutes(deps, adminToken));
  app.use(bmcAdoptRoutes(deps, adminToken));
  app.use(expectedClaimRoutes(deps, adminToken));
  app.use(profileRoutes(deps, adminToken));
  app.use(userRoutes(deps, adminToken));
  app.use(auditRoutes(deps, adminToken));
  app.use(templateRoutes(deps, adminToken));
  app.use(installerRoutes(deps, adminToken));
  app.use(webhookRoutes(deps, adminToken));
  app.use(bmcRoutes(deps, adminToken));
  app.use(expectedHostRoutes(deps, adminToken));
  app.use(healthRoutes(deps));
  app.use(metricsRoutes(deps));
  app.use(openApiRoutes(VERSION));
  app.use(apiReferenceRoutes());
  app.use(webRoutes(deps));
  app.use(notFound());
  app.use(errorHandler(deps.log));
  return app;
}
