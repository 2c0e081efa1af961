// The service's own routes: health for load balancers, this document, and its rendered reference.
import type { ApiArea } from './area.js';
import { ok, OPEN, text } from './build.js';

const TAG = 'Service';

export const service: ApiArea = {
  tag: { name: TAG, description: 'Health, this document and its rendered reference. Open to anyone; none says anything secret.' },
  schemas: {
    Health: {
      type: 'object',
      additionalProperties: false,
      required: ['status', 'store', 'writes'],
      properties: {
        status: { enum: ['ok', 'degraded'], description: 'degraded: the store refuses writes (the polls go on from memory)' },
        store: { type: 'string', description: 'the store kind (file, postgres, memory)' },
        writes: { type: 'string' },
      },
    },
  },
  paths: {
    '/healthz': {
      get: {
        operationId: 'health',
        summary: 'Is this process answering, and does its store take writes',
        description: '200 whenever the process answers, even degraded: taking every instance out of rotation would stop the polls too.',
        tags: [TAG],
        security: OPEN,
        responses: { '200': ok('health', 'Health') },
      },
    },
    '/api/v1/openapi.json': {
      get: {
        operationId: 'openApiDocument',
        summary: 'This document (OpenAPI 3.1)',
        tags: [TAG],
        security: OPEN,
        responses: { '200': ok('the OpenAPI document', { type: 'object', required: ['openapi', 'paths'] }) },
      },
    },
    '/api/docs': {
      get: {
        operationId: 'apiReference',
        summary: 'This document rendered for people (Swagger UI, served from this server)',
        tags: [TAG],
        security: OPEN,
        responses: { '200': text('the reference page', 'text/html') },
      },
    },
  },
};
