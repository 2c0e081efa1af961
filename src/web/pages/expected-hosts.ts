// The expected hosts page (docs/inventory.md#expected-hosts-importing-and-exporting-a-packing-list): the records every role may read (secret params
// never shown), and for those who change hosts an upload form — a CSV or JSON file, "Dry run" or
// "Import" — and a delete button per record. The upload is multipart (a file input), read here into the
// same fields a urlencoded form has, so the session guard checks its CSRF token as any other form's.
// What the upload did (the plan, or every problem by line and column) is kept for the page the 303
// lands on (flash.ts). Both go through expected-hosts/ like the API.
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { allows } from '../../auth/roles.js';
import { callerOf } from '../../http/caller.js';
import { deleteExpectedHost, listExpectedHosts } from '../../expected-hosts/manage.js';
import { importExpectedHosts, type ImportPlan, type PlanEntry } from '../../expected-hosts/import.js';
import { MAX_LIST_BYTES, type ListProblem } from '../../expected-hosts/read-list.js';
import { exportExpectedHosts } from '../../expected-hosts/export.js';
import { Flash } from '../flash.js';
import type { Session } from '../sessions.js';
import { can, may, type PageKit } from '../kit.js';

/** Entries of each list the page shows after an upload; the rest are counted ("and N more"). */
const SHOWN = 100;

/** What an upload did, as kept in the flash for the page (a 20,000-row plan would be megabytes):
 *  the counts, and the first SHOWN entries of each list. */
interface Done {
  file: string;
  plan?: {
    dry_run: boolean;
    counts: { created: number; updated: number; unchanged: number };
    created: PlanEntry[];
    updated: PlanEntry[];
  };
  problems?: ListProblem[];
  /** Problems not shown: past SHOWN, and those the import only counted. */
  problems_more?: number;
  error?: string;
  deleted?: string;
}

function shownPlan(plan: ImportPlan): NonNullable<Done['plan']> {
  return {
    dry_run: plan.dry_run,
    counts: { created: plan.created.length, updated: plan.updated.length, unchanged: plan.unchanged.length },
    created: plan.created.slice(0, SHOWN),
    updated: plan.updated.slice(0, SHOWN),
  };
}

/** A multipart upload read into req.body: its text fields, and the file's name and text. Bodies of
 *  other types pass untouched (the guard then refuses them for lack of a CSRF token). Mounted after
 *  `signedIn` and the role check: nothing is read for a client without a valid session that may write
 *  (a cookie's name alone is not enough); the CSRF token is checked after, by `loggedIn`. */
function upload(limit: number): RequestHandler[] {
  return [
    express.raw({ limit, type: (req) => /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '') }),
    async (req, _res, next) => {
      if (!Buffer.isBuffer(req.body)) {
        next();
        return;
      }
      let form: FormData;
      try {
        const body = new Response(req.body, { headers: { 'content-type': String(req.headers['content-type']) } });
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- undici warns that it buffers the whole body; express.raw above already did, capped at MAX_LIST_BYTES
        form = await body.formData();
      } catch {
        next(new AppError('VALIDATION', 'the upload is not a readable multipart form', 'file'));
        return;
      }
      const body: Record<string, string> = {};
      for (const [name, value] of form.entries()) {
        if (name === 'file' && typeof value !== 'string') {
          body.file = await value.text();
          body.filename = value.name;
        } else if (typeof value === 'string' && name !== 'file' && name !== 'filename') body[name] = value;
      }
      req.body = body;
      next();
    },
  ];
}

export function expectedHostPages(deps: Deps, { page, loggedIn, signedIn, form }: PageKit): Router {
  const router = Router();
  const flash = new Flash<Done>();
  const user = (res: Response) => (res.locals.session as Session).user;
  const caller = (req: Request, res: Response) => callerOf(req, user(res), deps.config.publicUrl);
  const write = may('hosts:write', 'change expected hosts');

  router.get('/expected-hosts', loggedIn, async (req, res) => {
    const role = (res.locals.session as Session).role;
    const records = await listExpectedHosts(deps, role);
    page(res, 'expected-hosts.njk', {
      title: 'Expected hosts',
      nav: 'expected-hosts',
      records,
      can_write: can(res, 'hosts:write'),
      done: flash.get(req.query.done, user(res)),
    });
  });

  // The export as a download, for the session (the API's takes a bearer token).
  router.get('/expected-hosts/export', loggedIn, write, async (req, res) => {
    const format = req.query.format === 'json' ? 'json' : 'csv';
    res.setHeader('Content-Disposition', `attachment; filename="expected-hosts.${format}"`);
    res
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      .send(await exportExpectedHosts(deps, format));
  });

  router.post('/expected-hosts/import', signedIn, write, ...upload(MAX_LIST_BYTES), loggedIn, write, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const file = (body.filename || 'the upload').slice(0, 200);
    const text = body.file ?? '';
    const format = /\.json$/i.test(body.filename ?? '') || /^\s*\[/.test(text) ? 'json' : 'csv';
    const anyAddress = allows((res.locals.session as Session).role, 'bmc-credentials:write');
    let done: Done;
    try {
      if (!text) throw new AppError('VALIDATION', 'choose a CSV or JSON file to upload', 'file');
      const plan = await importExpectedHosts(deps, text, { format, dryRun: body.action !== 'import', anyAddress }, caller(req, res));
      done = { file, plan: shownPlan(plan) };
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      const detail = err.detail as { errors?: ListProblem[]; more?: number } | undefined;
      const problems = detail?.errors;
      const more = problems ? Math.max(0, problems.length - SHOWN) + (detail.more ?? 0) : 0;
      done = {
        file,
        ...(problems ? { problems: problems.slice(0, SHOWN) } : {}),
        ...(more > 0 ? { problems_more: more } : {}),
        error: problems ? `${file}: nothing was imported` : err.message,
      };
    }
    res.redirect(303, `/expected-hosts?done=${flash.put(user(res), done)}`);
  });

  router.post('/expected-hosts/:id/delete', form, loggedIn, write, async (req, res) => {
    const id = String(req.params.id);
    await deleteExpectedHost(deps, id, caller(req, res));
    res.redirect(303, `/expected-hosts?done=${flash.put(user(res), { file: '', deleted: id })}`);
  });

  return router;
}
