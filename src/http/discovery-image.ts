// The dracut discovery image over HTTP: GET/HEAD /discovery/vmlinuz and /discovery/initrd.img, and
// GET /discovery/boot/{format}, the boot entries that load them (iPXE, GRUB2, UEFI HTTP boot, the
// bare command line). Anonymous like /ks and /boot: firmware and boot loaders have no credentials, and
// neither the image nor an entry holds a secret.
//
// Only the two fixed names are served, each from the configured folder (KICKSTAND_DISCOVERY_IMAGE_DIR)
// through res.sendFile with a fixed root, so no request path reaches the file system. sendFile does
// single ranges (206, or 416 with `Content-Range: bytes */SIZE`), HEAD, Last-Modified and the
// conditional requests (304, If-Range). Every "no" is a status with an empty body: a loader must never take an
// error page for a kernel.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Router, type Response } from 'express';
import type { Deps } from '../deps.js';
import { checkedSource } from '../boot/boot-config.js';
import { discoveryImageEntry, isImageBootFormat, IMAGE_BOOT_FORMATS } from '../boot/discovery-image.js';
import { AppError } from '../errors.js';
import { baseUrl } from './base-url.js';

export const IMAGE_FILES = ['vmlinuz', 'initrd.img'] as const;

// The URL is the same for every build, the bytes are not: a cache keeps the file but asks every time
// (a 304 costs one round trip), so a rebuilt image is booted at once.
const CACHE_CONTROL = 'public, no-cache';

export function discoveryImageRoutes(deps: Deps): Router {
  const router = Router();
  for (const name of IMAGE_FILES) {
    router.get(`/discovery/${name}`, async (_req, res) => {
      const info = await stat(path.join(deps.config.discoveryImageDir, name)).catch(() => undefined);
      if (!info?.isFile()) {
        refused(res, { name: 'NotFound', message: 'not built', status: 404 });
        return;
      }
      // The app turns ETags off (app.ts), and sendFile follows it; the file's own validator is set here,
      // and sendFile's conditional and If-Range checks read it back from the response. Strong (a resumed
      // download's If-Range needs one): a build replaces the file (rename), so its inode changes.
      res.setHeader('ETag', `"${info.size.toString(16)}-${info.mtime.getTime().toString(16)}-${info.ino.toString(16)}"`);
      res.sendFile(
        name,
        {
          root: deps.config.discoveryImageDir,
          dotfiles: 'deny',
          cacheControl: false,
          headers: { 'Content-Type': 'application/octet-stream', 'Cache-Control': CACHE_CONTROL },
        },
        (err) => refused(res, err),
      );
    });
  }

  router.get('/discovery/boot/:format', async (req, res) => {
    const format = req.params.format;
    if (!isImageBootFormat(format))
      throw new AppError('NOT_FOUND', `no discovery image boot format "${format}" (${IMAGE_BOOT_FORMATS.join(', ')})`, 'format');
    const profile = typeof req.query.profile === 'string' && req.query.profile !== '' ? req.query.profile : undefined;
    // The profile is checked for its form only, never looked up (boot/boot-config.ts, BootCaller).
    const src = await checkedSource(deps, baseUrl(req, deps.config.publicUrl), profile ? { profile } : {}, 'anonymous');
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/plain; charset=utf-8').send(discoveryImageEntry(format, src));
  });
  return router;
}

/** sendFile's refusals (404 not built, 416, 412) as a bare status; a failure mid-body cuts the connection. */
function refused(
  res: Response,
  err: (Error & { status?: number; statusCode?: number; headers?: Record<string, string> }) | undefined,
): void {
  if (!err) return;
  res.removeHeader('ETag');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = err.status ?? err.statusCode ?? 500;
  res.removeHeader('Content-Type');
  res.status(status < 400 ? 500 : status);
  if (err.headers) res.set(err.headers);
  res.end();
}
