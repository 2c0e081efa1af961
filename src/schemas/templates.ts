// Bodies of the template API: save, rollback and preview. The same objects feed ajv and OpenAPI.
import type { JsonSchema } from './json-schema.js';
import { MAX_TEMPLATE_BYTES } from '../templates/version.js';

export const templateSaveSchema = {
  $id: 'template-save',
  type: 'object',
  required: ['content'],
  additionalProperties: false,
  properties: {
    content: { type: 'string', maxLength: MAX_TEMPLATE_BYTES },
    base_sha256: {
      type: 'string',
      pattern: '^(?:[0-9a-f]{64})?$',
      description: 'sha256 of the text the edit started from ("" for a new file); refused with 409 when the file changed since',
    },
    message: { type: 'string', maxLength: 500 },
  },
} as const satisfies JsonSchema;

export const templateRollbackSchema = {
  $id: 'template-rollback',
  type: 'object',
  required: ['version'],
  additionalProperties: false,
  properties: {
    version: { type: 'integer', minimum: 1 },
    base_sha256: templateSaveSchema.properties.base_sha256,
  },
} as const satisfies JsonSchema;

export const templatePreviewSchema = {
  $id: 'template-preview',
  type: 'object',
  additionalProperties: false,
  properties: {
    content: { type: 'string', maxLength: MAX_TEMPLATE_BYTES, description: 'unsaved text; the saved file when absent' },
    host: { type: 'string', maxLength: 64, description: "a host's id, hostname or boot MAC" },
    hostname: { type: 'string', maxLength: 253, description: "render with this hostname (a waiting host's would-be one when absent)" },
    sample: { type: 'string', maxLength: 64 },
    profile: { type: 'string', maxLength: 64 },
    params: { type: 'object' },
  },
} as const satisfies JsonSchema;
