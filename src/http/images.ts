// The product.img overlay, for Anaconda: at /images/product.img and /updates.img (inst.updates=), and
// inside tree mode, /tree/{installer}/…, where everything but the overlay is a redirect to the real
// install tree (anaconda.md §4: dracut's curl follows redirects). Anaconda feeds whatever a 200 carries
// to its unpacker, so every "no" here is a 404 with an empty body, never an HTML or JSON page.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../deps.js';
import { trimSlash } from '../installers/installer.js';
import { getInstaller } from '../installers/manage.js';

const OVERLAY_IN_TREE = 'images/product.img';

export function imageRoutes(deps: Deps): Router {
  const router = Router();

  const overlay = async (req: Request, res: Response, orElse: () => void) => {
    const info = await stat(deps.config.productImg).catch(() => undefined);
    if (!info?.isFile()) {
      orElse();
      return;
    }
    res.status(200).set({
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(info.size),
      'Last-Modified': info.mtime.toUTCString(),
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    const stream = createReadStream(deps.config.productImg);
    // A read error mid-stream cannot become a status any more: cut the connection so curl --fail
    // sees a short transfer instead of a truncated image that looks whole.
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };

  for (const route of ['/images/product.img', '/updates.img']) {
    router.get(route, (req, res) => overlay(req, res, () => empty404(res)));
  }

  router.get('/tree/:name/*path', async (req, res) => {
    const installer = await getInstaller(deps, req.params.name);
    const segments = ([] as string[]).concat(req.params.path);
    // No segment that climbs out of the tree on the mirror, including the spellings some servers
    // read as a separator (`\`) or cut a path at (NUL, control characters).
    if (!installer || segments.some((s) => s === '..' || s === '.' || s === '' || /[/\\\x00-\x1f\x7f]/.test(s))) {
      empty404(res);
      return;
    }
    const rest = segments.join('/');
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const upstream = `${trimSlash(installer.repo)}/${segments.map(encodeURIComponent).join('/')}${query}`;
    // Our overlay when one is built; otherwise the tree's own product.img (some trees brand the
    // installer with one), as if Kickstand were not in the way.
    if (rest === OVERLAY_IN_TREE) return overlay(req, res, () => res.redirect(302, upstream));
    res.redirect(302, upstream);
  });

  return router;
}

function empty404(res: Response): void {
  res.status(404).set('Content-Length', '0').end();
}
