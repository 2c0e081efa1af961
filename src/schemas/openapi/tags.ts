// Tags (docs/inventory.md#tags): a host's free tags, the same on many hosts, and the automatic tag
// definitions (a rule-language expression over the facts).
import { bulkTagsSchema, hostTagsChangeSchema, hostTagsSchema, TAG, tagDefinitionSchema } from '../tags.js';
import type { ApiArea } from './area.js';
import { ok, operationsOf, pathParam, ref } from './build.js';
import { component, dateTime, nameOptional } from './components.js';

const AREA = 'Tags';
const op = operationsOf(AREA);
const id = pathParam('id', 'the host id');
const name = pathParam('name', 'the tag', TAG);
const hostNotFound: [number, string] = [404, 'HOST_NOT_FOUND: no host with that id'];
const tagNotFound: [number, string] = [404, 'TAG_NOT_FOUND: no definition of that tag'];
const tagList = { type: 'array', items: { type: 'string' } } as const;
const definitionFields = {
  ...tagDefinitionSchema.properties,
  created_at: dateTime,
  updated_at: dateTime,
} as const;

export const tags: ApiArea = {
  tag: {
    name: AREA,
    description:
      'Free tags people give hosts, and automatic tags their facts earn from tag definitions. Rules and the hosts filter read both as `tags` ("gpu" in tags).',
  },
  schemas: {
    HostTagsInput: component(hostTagsSchema),
    HostTagsChange: component(hostTagsChangeSchema),
    BulkTags: component(bulkTagsSchema),
    HostTags: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'tags', 'auto_tags'],
      properties: {
        id: { type: 'string' },
        tags: tagList,
        auto_tags: { ...tagList, description: 'from the definitions; not set by hand' },
      },
    },
    BulkTagsResult: {
      type: 'object',
      additionalProperties: false,
      required: ['results', 'capped'],
      properties: {
        results: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['host', 'outcome'],
            properties: {
              host: { type: 'string' },
              outcome: { enum: ['changed', 'unchanged', 'failed'] },
              reason: { type: 'string', description: 'what changed (+a −b), or why it failed' },
            },
          },
        },
        matched: { type: 'integer', description: 'with `query`: how many hosts it matched' },
        capped: { type: 'boolean', description: 'more matched than the 1000 acted on' },
      },
    },
    TagDefinitionInput: nameOptional(tagDefinitionSchema),
    TagDefinition: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'expression', 'created_at', 'updated_at', 'hosts'],
      properties: { ...definitionFields, hosts: { type: 'integer', description: 'hosts carrying the tag now' } },
    },
    TagDefinitionSaved: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'expression', 'created_at', 'updated_at', 'reevaluating'],
      properties: { ...definitionFields, reevaluating: { type: 'integer', description: 'hosts being re-evaluated in the background' } },
    },
    TagDefinitionList: {
      type: 'object',
      additionalProperties: false,
      required: ['tags'],
      properties: { tags: { type: 'array', items: ref('TagDefinition') } },
    },
  },
  paths: {
    '/api/v1/hosts/{id}/tags': {
      parameters: [id],
      put: op({
        operationId: 'setHostTags',
        summary: "Replace a host's free tags",
        description: 'Each tag: lower case letters, digits, - _ . : (at most 64 characters); kept once, sorted; at most 64 per host.',
        permission: 'hosts:write',
        writes: true,
        body: 'HostTagsInput',
        responses: { '200': ok("the host's tags", 'HostTags') },
        errors: [hostNotFound],
      }),
      patch: op({
        operationId: 'changeHostTags',
        summary: "Add and remove some of a host's free tags",
        permission: 'hosts:write',
        writes: true,
        body: 'HostTagsChange',
        responses: { '200': ok("the host's tags", 'HostTags') },
        errors: [hostNotFound],
      }),
    },
    '/api/v1/hosts/tags': {
      post: op({
        operationId: 'bulkTags',
        summary: 'Add and remove free tags on many hosts',
        description: 'Give `ids` or `query` (at most 1000 hosts); each host is done on its own.',
        permission: 'hosts:write',
        writes: true,
        body: 'BulkTags',
        responses: { '200': ok('what happened to each host', 'BulkTagsResult') },
      }),
    },
    '/api/v1/tags': {
      get: op({
        operationId: 'listTagDefinitions',
        summary: 'Every automatic tag definition, with how many hosts carry its tag',
        permission: 'read',
        responses: { '200': ok('the definitions', 'TagDefinitionList') },
      }),
    },
    '/api/v1/tags/{name}': {
      parameters: [name],
      get: op({
        operationId: 'getTagDefinition',
        summary: 'An automatic tag definition',
        permission: 'read',
        responses: { '200': ok('the definition', 'TagDefinition') },
        errors: [tagNotFound],
      }),
      put: op({
        operationId: 'putTagDefinition',
        summary: 'Create or replace an automatic tag definition; every host is re-evaluated in the background',
        description:
          'The expression is the rule language over the facts only (not `tags`); a bad one is INVALID_EXPRESSION with its line and column, and nothing changes.',
        permission: 'hosts:write',
        writes: true,
        body: 'TagDefinitionInput',
        responses: { '200': ok('replaced', 'TagDefinitionSaved'), '201': ok('created', 'TagDefinitionSaved') },
      }),
      delete: op({
        operationId: 'deleteTagDefinition',
        summary: 'Remove a definition; its tag leaves every host in the background',
        permission: 'hosts:write',
        writes: true,
        responses: {
          '200': ok('removed', {
            type: 'object',
            additionalProperties: false,
            required: ['deleted', 'reevaluating'],
            properties: { deleted: { type: 'string' }, reevaluating: { type: 'integer' } },
          }),
        },
        errors: [tagNotFound],
      }),
    },
  },
};
