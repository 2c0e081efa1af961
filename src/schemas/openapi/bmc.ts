// BMC configuration (docs/bmc.md#configuration-a-hosts-bmc-and-credential-sets): a host's BMC, and the credential sets BMCs share. No answer
// ever carries a password: `has_password` says one is stored.
import { BMC_DRIVERS } from '../../bmc/bmc.js';
import { NAME } from '../assignment.js';
import { bmcCredentialSetSchema, hostBmcSchema } from '../bmc.js';
import type { ApiArea } from './area.js';
import { noContent, ok, operationsOf, pathParam, query, ref } from './build.js';
import { component, dateTime, nameOptional } from './components.js';

const TAG = 'BMC';
const op = operationsOf(TAG);
const id = pathParam('id', 'the host id');
const name = pathParam('name', 'the credential set name', { type: 'string', pattern: NAME });
const hostNotFound: [number, string] = [404, 'HOST_NOT_FOUND: no host with that id'];
const setNotFound: [number, string] = [404, 'CREDENTIALS_NOT_FOUND: no credential set of that name'];
const { password: _password, ...bmcFields } = hostBmcSchema.properties.bmc.properties;
const { password: _setPassword, ...setFields } = bmcCredentialSetSchema.properties;

const summaryProperties = {
  driver: { enum: [...BMC_DRIVERS] },
  address: { type: 'string' },
  port: { type: 'integer' },
  address_source: { enum: ['facts', 'manual'], description: 'facts: from what the machine reported; manual: set by hand' },
} as const;

export const bmc: ApiArea = {
  tag: {
    name: TAG,
    description: "A host's BMC (driver, address, credentials) and the credential sets many BMCs share. Passwords are never answered.",
  },
  schemas: {
    HostBmcInput: component(hostBmcSchema.properties.bmc),
    BmcSummary: {
      type: 'object',
      additionalProperties: false,
      required: ['driver', 'address', 'address_source'],
      description: 'Where the BMC is: what every role sees',
      properties: summaryProperties,
    },
    HostBmc: {
      type: 'object',
      additionalProperties: false,
      required: ['driver', 'address', 'verify_tls', 'address_source', 'updated_at', 'has_password'],
      description: 'The whole BMC, for power:write; other roles get BmcSummary',
      properties: {
        ...bmcFields,
        ...summaryProperties,
        updated_at: dateTime,
        has_password: { type: 'boolean', description: 'the host has a password of its own (never shown)' },
      },
    },
    BmcCredentialSetInput: nameOptional(bmcCredentialSetSchema),
    BmcCredentialSet: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'username', 'created_at', 'has_password'],
      properties: { ...setFields, created_at: dateTime, updated_at: dateTime, has_password: { const: true } },
    },
    BmcCredentialSetList: {
      type: 'object',
      additionalProperties: false,
      required: ['credentials'],
      properties: { credentials: { type: 'array', items: ref('BmcCredentialSet') } },
    },
  },
  paths: {
    '/api/v1/hosts/{id}/bmc': {
      parameters: [id],
      get: op({
        operationId: 'getHostBmc',
        summary: "A host's BMC: the whole of it (never the password) for power:write, else where it is",
        permission: 'read',
        responses: { '200': ok('the BMC', { oneOf: [ref('HostBmc'), ref('BmcSummary')] }) },
        errors: [[404, 'HOST_NOT_FOUND, or NOT_FOUND: the host has no BMC set']],
      }),
      put: op({
        operationId: 'setHostBmc',
        summary: "Set a host's BMC by hand (address_source becomes manual); an empty or absent password keeps the stored one",
        permission: 'power:write',
        writes: true,
        body: 'HostBmcInput',
        responses: { '200': ok('the BMC as stored', 'HostBmc') },
        errors: [hostNotFound, [404, 'CREDENTIALS_NOT_FOUND: bmc.credentials names no set']],
      }),
      delete: op({
        operationId: 'clearHostBmc',
        summary: "Remove a host's BMC",
        permission: 'power:write',
        writes: true,
        responses: { '204': noContent },
        errors: [hostNotFound],
      }),
    },
    '/api/v1/bmc-credentials': {
      get: op({
        operationId: 'listBmcCredentials',
        summary: 'Every BMC credential set (names and users, never passwords)',
        permission: 'power:write',
        responses: { '200': ok('the sets', 'BmcCredentialSetList') },
      }),
    },
    '/api/v1/bmc-credentials/{name}': {
      parameters: [name],
      get: op({
        operationId: 'getBmcCredentials',
        summary: 'A BMC credential set (never its password)',
        permission: 'power:write',
        responses: { '200': ok('the set', 'BmcCredentialSet') },
        errors: [setNotFound],
      }),
      put: op({
        operationId: 'putBmcCredentials',
        summary: 'Create or replace a credential set; on a replace an empty or absent password keeps the stored one',
        permission: 'bmc-credentials:write',
        writes: true,
        body: 'BmcCredentialSetInput',
        responses: { '200': ok('the set as stored', 'BmcCredentialSet') },
      }),
      delete: op({
        operationId: 'deleteBmcCredentials',
        summary: 'Remove a credential set; one in use (by a host, a profile or the default) only with force=true',
        permission: 'bmc-credentials:write',
        writes: true,
        parameters: [query('force', 'true: delete even when hosts, profiles or the default use it', { enum: ['true', 'false'] })],
        responses: { '204': noContent },
        errors: [setNotFound, [409, 'CREDENTIALS_IN_USE: the message names who uses it']],
      }),
    },
  },
};
