// The web pages' own stylesheet and scripts, read once at start and served from memory.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';

const STATIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'static');
// Buffers, so that each is gzipped once (http/compress.ts keeps the gzip of a Buffer while it lives).
const STATIC: Record<string, { type: string; body: Buffer }> = {
  'kickstand.css': { type: 'css', body: readFileSync(path.join(STATIC_DIR, 'kickstand.css')) },
  'hosts.js': { type: 'js', body: readFileSync(path.join(STATIC_DIR, 'hosts.js')) },
  'editor.js': { type: 'js', body: readFileSync(path.join(STATIC_DIR, 'editor.js')) },
  'confirm.js': { type: 'js', body: readFileSync(path.join(STATIC_DIR, 'confirm.js')) },
  'copy.js': { type: 'js', body: readFileSync(path.join(STATIC_DIR, 'copy.js')) },
};

export function staticFiles(): Router {
  const router = Router();
  router.get('/static/:file', (req, res, next) => {
    const name = req.params.file;
    const file = Object.hasOwn(STATIC, name) ? STATIC[name] : undefined;
    if (!file) {
      next();
      return;
    }
    res.type(file.type).setHeader('Cache-Control', 'max-age=3600').send(file.body);
  });
  return router;
}
