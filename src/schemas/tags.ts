// Bodies of the tag routes (docs/inventory.md#tags): a host's free tags replaced or changed, the bulk
// change, and an automatic tag's definition. A tag's spelling is TAG_PATTERN (tags/tag.ts), so a bad
// one is refused naming its place (`tags[2]`, `add[0]`); the expression is compiled after the schema
// (tags/definitions.ts) and refused naming its line and column.
import { MAX_TAGS_PER_HOST, TAG_PATTERN } from '../tags/tag.js';
import type { JsonSchema } from './json-schema.js';
import { bulkSelectionProperties } from './bulk-selection.js';

export const TAG = { type: 'string', pattern: TAG_PATTERN.source } as const;
const TAG_LIST = { type: 'array', items: TAG, maxItems: MAX_TAGS_PER_HOST } as const;

export const hostTagsSchema = {
  $id: 'kickstand:host-tags',
  type: 'object',
  additionalProperties: false,
  required: ['tags'],
  properties: { tags: { ...TAG_LIST, description: "the host's free tags, replacing the ones it has" } },
} as const satisfies JsonSchema;

export const hostTagsChangeSchema = {
  $id: 'kickstand:host-tags-change',
  type: 'object',
  additionalProperties: false,
  properties: {
    add: { ...TAG_LIST, description: 'tags to give (kept once)' },
    remove: { ...TAG_LIST, description: 'tags to take away (absent ones are ignored)' },
  },
} as const satisfies JsonSchema;

export const bulkTagsSchema = {
  $id: 'kickstand:bulk-tags',
  type: 'object',
  additionalProperties: false,
  properties: {
    ...hostTagsChangeSchema.properties,
    ...bulkSelectionProperties,
  },
} as const satisfies JsonSchema;

export const tagDefinitionSchema = {
  $id: 'kickstand:tag-definition',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'expression'],
  properties: {
    name: { ...TAG, description: 'the tag it gives (from the URL)' },
    expression: { type: 'string', minLength: 1, maxLength: 4000, description: 'rule language over the facts (not tags)' },
    description: { type: 'string', maxLength: 1024 },
  },
} as const satisfies JsonSchema;
