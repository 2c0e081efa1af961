// GET /ks — the stub kickstart. Always 200, at once (see kickstart/render/stub.ts for why), also over
// KICKSTAND_KS_LIMIT: then the fetch is only not noted on the host's timeline (http/client-limit.ts).
import { Router } from 'express';
import type { Deps } from '../deps.js';
import { noteStubFetch } from '../discovery/stub-fetched.js';
import { StubRenderer } from '../kickstart/render/index.js';
import { baseUrl, clientIp } from './base-url.js';
import { stubSightingLimit } from './client-limit.js';
import { ClientLimit } from '../discovery/client-limit.js';

export function stubRoutes(deps: Deps): Router {
  const stub = new StubRenderer(deps.kickstarts, deps.log, { lldpWait: deps.config.lldpWait });
  const mayNote = stubSightingLimit(deps.config.ksLimit, new ClientLimit(deps.config.ksLimit, { limiters: deps.limiters, name: 'ks' }));
  const router = Router();
  router.get('/ks', async (req, res) => {
    if (await mayNote(req))
      void noteStubFetch(deps, req.headers, clientIp(req)).catch((err: unknown) => deps.log.error({ err }, 'could not note stub fetch'));
    // ?download=1: the same stub as a file, for `mkksiso --ks` (docs/boot.md).
    if (req.query.download === '1') res.setHeader('Content-Disposition', 'attachment; filename="kickstand-stub.ks"');
    res.type('text/plain; charset=utf-8').send(stub.render(baseUrl(req, deps.config.publicUrl)));
  });
  return router;
}
