// What the installer reports back (the shipped templates' %pre-install, %post and %onerror).
import type { JsonSchema } from './json-schema.js';

/** Bytes of log kept per failed install: the tail, cut on a UTF-8 boundary (discovery/install-events.ts).
 *  A longer log is cut, not refused: a 4xx is final to the callback, and the "failed" would be lost. */
export const MAX_INSTALL_LOG = 64 * 1024;

/** Body limit of the callback route (413 above it): room for a kept-size log even if every byte of it
 *  arrives JSON-escaped as \u00XX (6×), plus the other fields; an absurd body is still refused unparsed. */
export const MAX_INSTALL_EVENT_BODY = MAX_INSTALL_LOG * 6 + 4096;

export const installEventSchema = {
  $id: 'kickstand:install-event',
  type: 'object',
  additionalProperties: false,
  required: ['stage'],
  properties: {
    stage: { enum: ['installing', 'installed', 'failed'] },
    message: { type: 'string', maxLength: 1000 },
    log: { type: 'string', description: 'the tail of the installer logs (failed); its last 64 KiB are kept' },
    event_id: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$', description: 'the same id on a retry records once' },
  },
} as const satisfies JsonSchema;
