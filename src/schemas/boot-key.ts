// A host's boot key, set by an admin (PUT /api/v1/hosts/{id}/boot-key; POST generates one). It lands
// on a kernel command line and in loader configs: base64url characters only.
import type { JsonSchema } from './json-schema.js';

export const bootKeySchema = {
  $id: 'kickstand:boot-key',
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: {
    key: {
      type: 'string',
      pattern: '^[A-Za-z0-9_-]{16,128}$',
      description: 'sent back by the %pre from kickstand.key= (header X-Kickstand-Boot-Key)',
    },
  },
} as const satisfies JsonSchema;
