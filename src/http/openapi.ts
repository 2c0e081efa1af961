// GET /api/v1/openapi.json — the contract, generated from the schemas ajv enforces.
import { Router } from 'express';
import { openApiDocument } from '../schemas/openapi/document.js';

export function openApiRoutes(version: string): Router {
  const doc = JSON.stringify(openApiDocument(version));
  const router = Router();
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.type('application/json').send(doc);
  });
  return router;
}
