// A webhook as the API takes it (POST /api/v1/webhooks, PUT /api/v1/webhooks/{name}). The URL is
// checked again after the schema (notifications/manage.ts): a pattern cannot say "parses as a URL".
import { HOST_EVENTS } from '../events/events.js';
import type { JsonSchema } from './json-schema.js';

export const webhookSchema = {
  $id: 'kickstand:webhook',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'url'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,62}$', description: 'its id, used in URLs' },
    url: { type: 'string', maxLength: 2048, pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$', description: 'http:// or https:// only' },
    events: {
      description: 'the host events to send, or "all" (the default)',
      // if/then/else rather than oneOf: the error is then about the branch the client meant.
      type: ['string', 'array'],
      if: { type: 'string' },
      then: { const: 'all' },
      else: { type: 'array', minItems: 1, maxItems: HOST_EVENTS.length, uniqueItems: true, items: { enum: [...HOST_EVENTS] } },
    },
    secret: {
      type: 'string',
      minLength: 16,
      maxLength: 256,
      // The length again in the pattern: generators (the fuzz tests) then make strings that fit.
      pattern: '^[\\x21-\\x7e]{16,256}$',
      description: 'the HMAC-SHA256 key; generated when absent (on a PUT, absent keeps the current one)',
    },
    enabled: { type: 'boolean', description: 'default true' },
  },
} as const satisfies JsonSchema;
