// GET /api/v1/audit: who changed what, newest first, a page at a time (src/audit/query.ts).
import type { ApiArea } from './area.js';
import { apiOperation, ok, query, ref } from './build.js';
import { dateTime } from './components.js';

const TAG = 'Audit';
const TEXT = { type: 'string', maxLength: 128 } as const;

export const audit: ApiArea = {
  tag: { name: TAG, description: 'The audit trail.' },
  schemas: {
    AuditEntry: {
      type: 'object',
      additionalProperties: false,
      required: ['at', 'actor', 'action', 'target'],
      properties: {
        at: dateTime,
        actor: { type: 'string' },
        action: { type: 'string', description: 'host.assign, profile.create, user.role…' },
        target: { type: 'string' },
        detail: { type: 'string' },
        seq: { type: 'integer', description: 'order of appending: the cursor' },
      },
    },
    AuditPage: {
      type: 'object',
      additionalProperties: false,
      required: ['entries'],
      properties: {
        entries: { type: 'array', items: ref('AuditEntry') },
        next: { type: 'integer', description: 'present when the page is full: the cursor of the next page' },
      },
    },
  },
  paths: {
    '/api/v1/audit': {
      get: apiOperation({
        operationId: 'readAudit',
        tag: TAG,
        summary: 'The audit trail, newest first',
        permission: 'read',
        parameters: [
          query('actor', 'exact actor', TEXT),
          query('action', 'exact action (user.delete) or a prefix ending in * (user.*)', { ...TEXT, pattern: '^[a-z][a-z0-9.-]*\\*?$' }),
          query('target', 'exact target', TEXT),
          query('limit', 'entries per page (default 100)', { type: 'integer', minimum: 1, maximum: 1000 }),
          query('cursor', 'the next of the previous page', { type: 'integer', minimum: 1 }),
        ],
        responses: { '200': ok('a page of entries', 'AuditPage') },
        errors: [[400, 'VALIDATION naming the parameter']],
      }),
    },
  },
};
