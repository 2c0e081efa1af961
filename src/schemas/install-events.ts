// What the installer reports back (the shipped templates' %pre-install, %post and %onerror).
import type { JsonSchema } from './json-schema.js';

export const MAX_INSTALL_LOG = 64 * 1024;

export const installEventSchema = {
  $id: 'kickstand:install-event',
  type: 'object',
  additionalProperties: false,
  required: ['stage'],
  properties: {
    stage: { enum: ['installing', 'installed', 'failed'] },
    message: { type: 'string', maxLength: 1000 },
    log: { type: 'string', maxLength: MAX_INSTALL_LOG, description: 'the tail of the installer logs (failed)' },
    event_id: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$', description: 'the same id on a retry records once' },
  },
} as const satisfies JsonSchema;
