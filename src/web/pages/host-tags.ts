// The tags panel of a host's page (views/host-tags.njk): its free tags in a small form for roles with
// hosts:write, its automatic tags marked as such (they come from the definitions on /tags and cannot
// be edited here). The form replaces the free tags through the same use case as PUT /api/v1/hosts/{id}/tags;
// an error comes back next to the field with what was typed kept.
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import type { CallerWith } from '../../caller.js';
import { changeHostTags, tagsFromText } from '../../tags/host-tags.js';
import { isFormError } from '../form-errors.js';
import { may, type PageKit } from '../kit.js';
import type { HostPageRender } from './host-bmc.js';

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

export function hostTagPages(
  deps: Deps,
  { loggedIn, form }: Pick<PageKit, 'loggedIn' | 'form'>,
  hostPage: HostPageRender,
  caller: (req: Request, res: Response) => CallerWith<'ip'>,
): Router {
  const router = Router();

  router.post('/hosts/:id/tags', form, loggedIn, may('hosts:write', 'tag hosts'), async (req, res) => {
    const id = String(req.params.id);
    const typed = text((req.body as Record<string, unknown> | undefined)?.tags);
    try {
      await changeHostTags(deps, id, { set: tagsFromText(typed) }, caller(req, res));
    } catch (err) {
      if (!isFormError(err) || err.code === 'HOST_NOT_FOUND') throw err;
      res.status(err.status);
      return hostPage(res, id, { tags: typed }, { tags: err.message });
    }
    res.redirect(303, `/hosts/${encodeURIComponent(id)}#tags`);
  });

  return router;
}
