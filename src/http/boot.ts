// GET /boot/{format}: a ready boot entry for this server (pxelinux, grub, ipxe, cmdline, dvd), with
// ?installer=, ?profile=, ?repo=, and for iPXE ?mac= (a chain-loadable script). Open like /ks: the
// loaders fetching it have no credentials, and it holds no secret. Anonymous, so ?profile= is written
// as given and never looked up (boot/boot-config.ts, BootCaller).
import { Router } from 'express';
import type { Deps } from '../deps.js';
import { bootConfig, checkedSource, isBootFormat } from '../boot/boot-config.js';
import { ipxeFor } from '../boot/ipxe-host.js';
import { AppError } from '../errors.js';
import { baseUrl, clientIp } from './base-url.js';

export function bootRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/boot/:format', async (req, res) => {
    const format = req.params.format;
    const q = (name: string) => (typeof req.query[name] === 'string' && req.query[name] !== '' ? req.query[name] : undefined);
    if (!isBootFormat(format)) throw new AppError('NOT_FOUND', `no boot format "${format}" (pxelinux, grub, ipxe, cmdline, dvd)`, 'format');
    const url = baseUrl(req, deps.config.publicUrl);
    const request = {
      ...(q('installer') ? { installer: q('installer') } : {}),
      ...(q('profile') ? { profile: q('profile') } : {}),
      ...(q('repo') ? { repo: q('repo') } : {}),
    };
    const body =
      format === 'ipxe'
        ? await ipxeFor(deps, await checkedSource(deps, url, request, 'anonymous'), q('mac'), clientIp(req))
        : await bootConfig(deps, url, { format, ...request }, 'anonymous');
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/plain; charset=utf-8').send(body);
  });
  return router;
}
