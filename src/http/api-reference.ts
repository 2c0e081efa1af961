// GET /api/docs — the OpenAPI document (GET /api/v1/openapi.json) rendered for people by Swagger UI,
// served from the local swagger-ui-dist package: no CDN, nothing fetched from another host. Open like
// the document itself: it shows the contract, no data and no secret (docs/api.md "API reference page").
//
// Under the app's CSP (http/security-headers.ts) unchanged: the page has no inline script — its one
// script of ours, init.js, is a file — and Swagger UI sets its styles through the DOM (allowed by
// style-src 'self'), so nothing is relaxed for this page (test/e2e/api-reference.test.ts listens for
// violations). Three files are served under /api/docs/assets/, by name: two from the package folder,
// init.js from memory (so `npm run build` has nothing to copy). No request path reaches the file
// system, and the package's other files (maps, the standalone preset, the OAuth redirect page) are
// not reachable.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Router } from 'express';
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js';

export const API_REFERENCE_PATH = '/api/docs';
const ASSETS = `${API_REFERENCE_PATH}/assets`;

// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
// "Try it out" stays: its requests go to this server, with the token given under "Authorize".
const INIT_JS = `// Kickstand's API reference: Swagger UI over this server's OpenAPI document.
window.addEventListener('DOMContentLoaded', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/v1/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    docExpansion: 'list',
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kickstand API reference</title>
<link rel="stylesheet" href="${ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${ASSETS}/swagger-ui-bundle.js"></script>
<script src="${ASSETS}/init.js"></script>
</body>
</html>
`;

/** The files under /api/docs/assets/: from the package (by name), or ours (in memory). */
const FILES: Record<string, { type: string; file?: string; body?: string }> = {
  'swagger-ui.css': { type: 'text/css; charset=utf-8', file: 'swagger-ui.css' },
  'swagger-ui-bundle.js': { type: 'application/javascript; charset=utf-8', file: 'swagger-ui-bundle.js' },
  'init.js': { type: 'application/javascript; charset=utf-8', body: INIT_JS },
};

// The package's files, read once and held: the same Buffer at every request is gzipped once
// (http/compress.ts), and the ~1.8 MB bundle is not read from disk for each browser.
const held = new Map<string, Promise<Buffer>>();

function assetBytes(root: string, file: string): Promise<Buffer> {
  let bytes = held.get(file);
  if (!bytes) {
    bytes = readFile(path.join(root, file));
    held.set(file, bytes);
    // A failed read is tried again next time, not remembered.
    bytes.catch(() => held.delete(file));
  }
  return bytes;
}

export function apiReferenceRoutes(): Router {
  const root = getAbsoluteFSPath();
  const router = Router();
  router.get(API_REFERENCE_PATH, (_req, res) => {
    res.type('html').send(PAGE);
  });
  // A middleware, not routes: the assets are files of the page, not operations of the API (the
  // coverage test reads routes only; test/http/openapi-coverage.test.ts).
  router.use(ASSETS, (req, res, next) => {
    const name = req.path.slice(1);
    const asset = (req.method === 'GET' || req.method === 'HEAD') && Object.hasOwn(FILES, name) ? FILES[name] : undefined;
    if (!asset) {
      next();
      return;
    }
    // The package's files change only with its version: a browser may keep them an hour.
    res.setHeader('Cache-Control', 'public, max-age=3600');
    if (asset.body !== undefined) {
      res.type(asset.type).send(asset.body);
      return;
    }
    assetBytes(root, asset.file!).then(
      (bytes) => void res.type(asset.type).send(bytes),
      (err: unknown) => next(err),
    );
  });
  return router;
}
