// Expected hosts API (docs/inventory.md#expected-hosts-importing-and-exporting-a-packing-list): list and read for every reader (secret params masked),
// import, export and delete for those who change hosts (hosts:write). An export carries params (masked)
// and BMC credential set names, so it needs hosts:write too. Routes only wire: expected-hosts/ decides.
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { allows } from '../auth/roles.js';
import { deleteExpectedHost, expectedHostView, listExpectedHosts, mustGetExpectedHost } from '../expected-hosts/manage.js';
import { exportExpectedHosts } from '../expected-hosts/export.js';
import { importExpectedHosts } from '../expected-hosts/import.js';
import { LIST_FORMATS, MAX_LIST_BYTES, type ListFormat } from '../expected-hosts/read-list.js';
import { authenticate, can, principalOf } from './auth.js';
import { apiCaller } from './caller.js';
import { textBody } from './body.js';

const formatOf = (value: unknown): ListFormat => {
  if (value === undefined) return 'csv';
  if (typeof value === 'string' && (LIST_FORMATS as readonly string[]).includes(value)) return value as ListFormat;
  throw new AppError('VALIDATION', 'format must be csv or json', 'format');
};

export function expectedHostRoutes(deps: Deps, adminToken: string): Router {
  const router = Router();
  const auth = authenticate(deps, adminToken);
  const read = [auth, can('read')];
  const write = [auth, can('hosts:write')];
  const caller = (req: Request, res: Response) => apiCaller(req, res, deps.config.publicUrl);

  router.get('/api/v1/expected-hosts', ...read, async (_req, res) => {
    res.json({ expected_hosts: await listExpectedHosts(deps, principalOf(res).role) });
  });

  router.get('/api/v1/expected-hosts/export', ...write, async (req, res) => {
    const format = formatOf(req.query.format);
    const text = await exportExpectedHosts(deps, format);
    res.setHeader('Content-Disposition', `attachment; filename="expected-hosts.${format}"`);
    res.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8').send(text);
  });

  router.post(
    '/api/v1/expected-hosts/import',
    ...write,
    ...textBody(['text/csv', 'application/json'], MAX_LIST_BYTES),
    async (req, res) => {
      const format: ListFormat = req.is('application/json') ? 'json' : 'csv';
      const dryRun = req.query.dry_run === 'true' || req.query.dry_run === '1';
      const anyAddress = allows(principalOf(res).role, 'bmc-credentials:write');
      res.json(await importExpectedHosts(deps, String(req.body), { format, dryRun, anyAddress }, caller(req, res)));
    },
  );

  router.get('/api/v1/expected-hosts/:id', ...read, async (req, res) => {
    res.json(expectedHostView(await mustGetExpectedHost(deps, String(req.params.id)), principalOf(res).role));
  });

  router.delete('/api/v1/expected-hosts/:id', ...write, async (req, res) => {
    await deleteExpectedHost(deps, String(req.params.id), caller(req, res));
    res.status(204).end();
  });

  return router;
}
