// The power API (docs/bmc.md#actions-the-job-queue-and-the-power-column): actions on one host answer once the BMC did it (or with the
// BMC_* error saying why not); a bulk action answers 202 at once with each host's job, to follow at
// GET /api/v1/bmc/jobs/{id}. Routes only wire: auth, body, use case, response.
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { powerHost, powerStatus, setBootDevice, testBmc } from '../bmc/actions.js';
import { bulkPower } from '../bmc/bulk-power.js';
import { compoundAction } from '../bmc/compound.js';
import type { BmcJob } from '../bmc/jobs/job.js';
import type { Submitted } from '../bmc/jobs/queue.js';
import { readHostQuery } from '../hosts/query.js';
import { compile } from '../schemas/validate.js';
import { bootDeviceSchema, bulkPowerSchema, powerActionSchema } from '../schemas/power.js';
import type { FromSchema } from 'json-schema-to-ts';
import { can, guards, principalOf } from './auth.js';
import { allows } from '../auth/roles.js';
import { apiCaller } from './caller.js';
import { jsonBody } from './body.js';

/** One host's body is a word or two; a bulk body holds up to 1,000 ids of up to 64 characters. */
const BODY_LIMIT = 16 * 1024;
const BULK_BODY_LIMIT = 128 * 1024;
const checkAction = compile<FromSchema<typeof powerActionSchema>>(powerActionSchema);
const checkBootDevice = compile<FromSchema<typeof bootDeviceSchema>>(bootDeviceSchema);
const checkBulk = compile<FromSchema<typeof bulkPowerSchema>>(bulkPowerSchema);

export function powerRoutes(deps: Deps, adminToken: string): Router {
  const router = Router();
  const { auth, read } = guards(deps, adminToken);
  const power = [auth, can('power:write')];
  const caller = (req: Request, res: Response) => apiCaller(req, res, deps.config.publicUrl);
  const id = (req: Request) => String(req.params.id);

  router.post('/api/v1/hosts/power', ...power, ...jsonBody(BULK_BODY_LIMIT), async (req, res) => {
    const body = checkBulk(req.body);
    if (!body.ids === !body.query) throw new AppError('VALIDATION', 'give either ids or query', body.ids ? 'query' : 'ids');
    const targets = body.ids ? { ids: body.ids } : { query: readHostQuery(body.query ?? {}) };
    const outcome = await bulkPower(deps, { targets, action: body.action, confirmed: body.confirm === true }, caller(req, res));
    res.status(202).json({
      action: body.action,
      jobs: outcome.hosts.map((h) =>
        'submitted' in h
          ? { host: h.host, job: h.submitted.job.id, status: h.submitted.job.status }
          : { host: h.host, error: h.error.toJSON().error },
      ),
      ...(outcome.matched !== undefined ? { matched: outcome.matched } : {}),
      capped: outcome.capped,
    });
  });

  router.post('/api/v1/hosts/:id/power', ...power, ...jsonBody(BODY_LIMIT), async (req, res) => {
    const { action } = checkAction(req.body);
    res.json(await finished(powerHost(deps, id(req), action, caller(req, res))));
  });

  // Asks the BMC now, through the queue; the hosts table's column comes from the background refresh.
  router.get('/api/v1/hosts/:id/power', ...read, async (req, res) => {
    const reader = !allows(principalOf(res).role, 'power:write');
    const job = await finished(powerStatus(deps, id(req), caller(req, res), reader));
    res.json({ power: job.result, job });
  });

  router.post('/api/v1/hosts/:id/boot-device', ...power, ...jsonBody(BODY_LIMIT), async (req, res) => {
    const body = checkBootDevice(req.body);
    const request = { device: body.device, persistent: body.persistent ?? false, ...(body.mode ? { mode: body.mode } : {}) };
    res.json(await finished(setBootDevice(deps, id(req), request, caller(req, res))));
  });

  router.post('/api/v1/hosts/:id/bmc/test', ...power, async (req, res) => {
    res.json(await finished(testBmc(deps, id(req), caller(req, res))));
  });

  for (const action of ['rediscover', 'reinstall'] as const) {
    router.post(`/api/v1/hosts/:id/${action}`, ...power, async (req, res) => {
      res.json(await finished(compoundAction(deps, id(req), action, caller(req, res))));
    });
  }

  router.get('/api/v1/bmc/jobs', ...read, (req, res) => {
    const host = typeof req.query.host === 'string' && req.query.host ? req.query.host : undefined;
    res.json({ jobs: deps.bmcJobs.list(host) });
  });

  router.get('/api/v1/bmc/jobs/:id', ...read, (req, res) => {
    const job = deps.bmcJobs.get(String(req.params.id));
    if (!job) throw new AppError('NOT_FOUND', `no BMC job "${String(req.params.id)}" (jobs are kept in memory, the newest only)`);
    res.json(job);
  });

  return router;
}

/** The finished job, or its failure as the error answer (BMC_AUTH 502, BMC_TIMEOUT 504…). */
async function finished(submitting: Promise<Submitted>): Promise<Readonly<BmcJob>> {
  const job = await (await submitting).done;
  if (job.status === 'failed' && job.error) {
    const where = job.error.step ? ` (step: ${job.error.step})` : '';
    throw new AppError(job.error.code, `${job.error.message}${where}`);
  }
  return job;
}
