// The routes machines call: register facts, then poll for what to do next.
import { Router, type Request } from 'express';
import type { Deps } from '../deps.js';
import { answerPoll } from '../discovery/answer-poll.js';
import { discover } from '../discovery/discover.js';
import { recordInstallEvent } from '../discovery/install-events.js';
import { MAX_INSTALL_EVENT_BODY } from '../schemas/install-events.js';
import { LIMITS } from '../schemas/facts.js';
import { bearer } from './auth.js';
import { baseUrl, clientIp } from './base-url.js';
import { jsonBody } from './body.js';
import { registrationLimit } from './client-limit.js';
import { ClientLimit } from '../discovery/client-limit.js';
import { writePollAnswer } from './poll-answer.js';
import { pollAnswered } from '../metrics/poll.js';

export function discoveryRoutes(deps: Deps): Router {
  const router = Router();
  const limit = new ClientLimit(deps.config.registerLimit, { limiters: deps.limiters, name: 'register' });

  // Counted before the body is read: a client over KICKSTAND_REGISTER_LIMIT costs us no parsing.
  router.post('/api/v1/discovery', registrationLimit(deps.config.registerLimit, limit), ...jsonBody(LIMITS.bodyBytes), async (req, res) => {
    const base = baseUrl(req, deps.config.publicUrl);
    const { host, token, created } = await discover(
      deps,
      req.body,
      { actor: 'machine', ip: clientIp(req), baseUrl: base },
      bootKeyHeader(req),
    );
    const next = `${base}/api/v1/discovery/${host.id}/next`;
    res.status(created ? 201 : 200).json({ id: host.id, token, next, events: `${base}/api/v1/discovery/${host.id}/events` });
  });

  // The running server answers this before express (http/fast-poll.ts); this route serves the app on
  // its own (tests drive it with supertest). Both write through writePollAnswer: one writer per answer.
  router.get('/api/v1/discovery/:id/next', async (req, res) => {
    // Counted on finish: a refused poll's status is written by the error handler, after this throws.
    const started = performance.now();
    res.on('finish', () => pollAnswered(deps, started, res.statusCode));
    writePollAnswer(res, await answerPoll(deps, req.params.id, bearer(req), clientIp(req), baseUrl(req, deps.config.publicUrl)));
  });

  // Install callbacks from the installer, with the host token. A retried callback records once.
  router.post('/api/v1/discovery/:id/events', ...jsonBody(MAX_INSTALL_EVENT_BODY), async (req, res) => {
    const result = await recordInstallEvent(deps, String(req.params.id), bearer(req), req.body, clientIp(req));
    res.status(200).json(result);
  });

  return router;
}

/** kickstand.key= as the %pre sends it: a header, so the key stays out of the facts every reader sees
 *  (and out of curl's argv: the %pre passes it on stdin). Anything malformed counts as no key. */
function bootKeyHeader(req: Request): string | undefined {
  const v = req.headers['x-kickstand-boot-key'];
  return typeof v === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(v) ? v : undefined;
}
