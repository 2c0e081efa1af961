// A host's BMC and a BMC credential set as the API takes them (PUT /api/v1/hosts/{id}/bmc,
// PUT /api/v1/bmc-credentials/{name}). What a pattern cannot say (an address is an IP or a DNS name, a
// CA file exists and holds PEM, a credential set exists) is checked after the schema (bmc/configure.ts).
// The host's fields are checked under `bmc`, so an error names `bmc.address`, as the form and docs do.
import { BMC_DRIVERS } from '../bmc/bmc.js';
import { NAME } from './assignment.js';
import type { JsonSchema } from './json-schema.js';

/** Printable, no control characters (a newline would end the value where ipmitool reads it). */
export const BMC_USERNAME = { type: 'string', maxLength: 64, pattern: '^[^\\x00-\\x1f\\x7f]{1,64}$' } as const;
/** Empty: keep the stored password (a form shows none, and sends back none). */
export const BMC_PASSWORD = { type: 'string', maxLength: 128, pattern: '^[^\\x00-\\x1f\\x7f]{0,128}$' } as const;

export const hostBmcSchema = {
  $id: 'kickstand:host-bmc',
  type: 'object',
  additionalProperties: false,
  required: ['bmc'],
  properties: {
    bmc: {
      type: 'object',
      additionalProperties: false,
      required: ['driver', 'address'],
      properties: {
        driver: { enum: BMC_DRIVERS, description: 'ipmi (ipmitool, lanplus) or redfish (HTTPS)' },
        address: { type: 'string', minLength: 1, maxLength: 253, description: 'IPv4, IPv6 or DNS name of the BMC' },
        port: { type: 'integer', minimum: 1, maximum: 65535, description: 'default 623 for ipmi, 443 for redfish' },
        username: {
          type: 'string',
          maxLength: 64,
          pattern: '^[^\\x00-\\x1f\\x7f]{0,64}$',
          description: "this host's own user; empty or absent: a credential set's",
        },
        password: { ...BMC_PASSWORD, description: 'never returned; empty or absent keeps the stored one' },
        credentials: { type: 'string', pattern: '^([A-Za-z0-9][A-Za-z0-9_.-]{0,63})?$', description: 'a BMC credential set by name' },
        system_path: {
          type: 'string',
          maxLength: 256,
          description: 'Redfish ComputerSystem (/redfish/v1/Systems/…); empty or absent: the first system',
        },
        verify_tls: { type: 'boolean', description: 'Redfish: check the BMC certificate (default true)' },
        ca_file: { type: 'string', maxLength: 4096, description: 'absolute path of a PEM file to trust (empty: the system CAs)' },
      },
    },
  },
} as const satisfies JsonSchema;

export const bmcCredentialSetSchema = {
  $id: 'kickstand:bmc-credential-set',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'username'],
  properties: {
    name: { type: 'string', pattern: NAME, description: 'its id, used in URLs, profiles and hosts' },
    username: BMC_USERNAME,
    password: { ...BMC_PASSWORD, description: 'never returned; required to create, empty or absent on a replace keeps it' },
    description: { type: 'string', maxLength: 1024 },
  },
} as const satisfies JsonSchema;
