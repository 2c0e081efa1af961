// Expected hosts (docs/inventory.md#expected-hosts-importing-and-exporting-a-packing-list): machines announced before they arrive, imported from a
// CSV or JSON list and exported in the same formats. Secret params are always "***" in answers.
import { BMC_DRIVERS } from '../../bmc/bmc.js';
import { MATCH_KEYS } from '../../expected-hosts/expected-host.js';
import type { JsonSchema } from '../json-schema.js';
import type { ApiArea } from './area.js';
import { noContent, ok, operationsOf, pathParam, query, ref } from './build.js';
import { dateTime } from './components.js';

const TAG = 'Expected hosts';
const op = operationsOf(TAG);
const id = pathParam('id', 'the expected host id (eh-…)');
const notFound: [number, string] = [404, 'EXPECTED_HOST_NOT_FOUND: no expected host with that id'];
const str = { type: 'string' } as const;

const match: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'Every key given must match the machine; switch and port go together',
  properties: Object.fromEntries(MATCH_KEYS.map((k) => [k, str])),
};
const bmc: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['driver', 'address'],
  properties: { driver: { enum: [...BMC_DRIVERS] }, address: str, port: { type: 'integer', minimum: 1, maximum: 65535 }, credentials: str },
};
const itemProperties = {
  match,
  hostname: str,
  profile: str,
  params: { type: 'object', description: 'profile params; secret ones "***" (on import: keep the stored value)' },
  tags: { type: 'array', items: str },
  bmc,
  provision: { type: 'boolean' },
} as const;
const entry: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'match'],
  properties: {
    line: { type: 'integer', description: 'CSV: the line of the row' },
    index: { type: 'integer', description: 'JSON: the index in the array' },
    id: { type: 'string', description: 'the record; for a create, the id it got (empty in a dry run: the import gives a new one)' },
    match,
    hostname: str,
    changes: { type: 'array', items: str, description: 'updated: the fields that change (hostname, match.serial, params.x, tags…)' },
  },
};

export const expectedHosts: ApiArea = {
  tag: {
    name: TAG,
    description:
      'Machines announced before they arrive (a packing list, a NetBox export), matched at registration by boot MAC, MAC, serial, asset tag, DMI UUID or switch port. Import and export take CSV or JSON (docs/inventory.md#expected-hosts-importing-and-exporting-a-packing-list).',
  },
  schemas: {
    ExpectedHostItem: { type: 'object', additionalProperties: false, required: ['match'], properties: itemProperties },
    ExpectedHost: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'match', 'provision', 'created_at', 'updated_at'],
      properties: {
        id: str,
        ...itemProperties,
        bmc: { ...bmc, description: 'credentials: only for power:write' },
        claimed_by: { type: 'string', description: 'the host that took this record' },
        claimed_at: dateTime,
        created_at: dateTime,
        updated_at: dateTime,
      },
    },
    ExpectedHostList: {
      type: 'object',
      additionalProperties: false,
      required: ['expected_hosts'],
      properties: { expected_hosts: { type: 'array', items: ref('ExpectedHost') } },
    },
    ExpectedHostImportPlan: {
      type: 'object',
      additionalProperties: false,
      required: ['dry_run', 'created', 'updated', 'unchanged'],
      properties: {
        dry_run: { type: 'boolean' },
        created: { type: 'array', items: entry },
        updated: { type: 'array', items: entry },
        unchanged: { type: 'array', items: entry },
      },
    },
  },
  paths: {
    '/api/v1/expected-hosts': {
      get: op({
        operationId: 'listExpectedHosts',
        summary: 'Every expected host (secret params "***"; the BMC credential set only for power:write)',
        permission: 'read',
        responses: { '200': ok('the records', 'ExpectedHostList') },
      }),
    },
    '/api/v1/expected-hosts/import': {
      post: {
        ...op({
          operationId: 'importExpectedHosts',
          summary:
            'Import a CSV or JSON list: every row checked, nothing imported when one is bad; re-importing the same list changes nothing',
          description:
            'A bad list answers 400 IMPORT_INVALID with `errors`: each with the CSV line, column and column_number (or the JSON index) and the field. Operators may set BMC addresses only inside KICKSTAND_BMC_NETWORKS. Body limit 8 MiB, 20,000 rows.',
          permission: 'hosts:write',
          writes: true,
          parameters: [query('dry_run', 'true: answer the plan and save nothing', { enum: ['true', 'false', '1', '0'] })],
          responses: { '200': ok('what was (or, in a dry run, would be) created, updated and left alone', 'ExpectedHostImportPlan') },
          errors: [
            400,
            [413, 'BODY_TOO_LARGE: over 8 MiB'],
            [415, 'UNSUPPORTED_MEDIA_TYPE: the body must be text/csv or application/json'],
          ],
        }),
        requestBody: {
          required: true,
          content: {
            'text/csv': { schema: { type: 'string', description: 'a header row, then one row per machine' } },
            'application/json': { schema: { type: 'array', items: ref('ExpectedHostItem') } },
          },
        },
      },
    },
    '/api/v1/expected-hosts/export': {
      get: op({
        operationId: 'exportExpectedHosts',
        summary: 'Every expected host in the import formats (secret params "***", which an import reads as "keep")',
        permission: 'hosts:write',
        parameters: [query('format', 'csv (the default) or json', { enum: ['csv', 'json'] })],
        responses: {
          '200': {
            description: 'the list',
            content: { 'text/csv': { schema: str }, 'application/json': { schema: { type: 'array', items: ref('ExpectedHostItem') } } },
          },
        },
        errors: [400],
      }),
    },
    '/api/v1/expected-hosts/{id}': {
      parameters: [id],
      get: op({
        operationId: 'getExpectedHost',
        summary: 'One expected host',
        permission: 'read',
        responses: { '200': ok('the record', 'ExpectedHost') },
        errors: [notFound],
      }),
      delete: op({
        operationId: 'deleteExpectedHost',
        summary: 'Remove an expected host (a host that took it keeps what it took)',
        permission: 'hosts:write',
        writes: true,
        responses: { '204': noContent },
        errors: [notFound],
      }),
    },
  },
};
