// What an admin may assign to a host (POST /api/v1/hosts/{id}/assignment). One schema per action so a
// bad body gets an error about its own action's fields, not a oneOf soup.
import type { JsonSchema } from './json-schema.js';

// RFC 1123 hostname, optionally fully qualified; each label 1–63 chars, whole name ≤ 253.
export const HOSTNAME = '^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$';
// Template names are relative paths under the templates folder (see kickstart/render/environment.ts).
export const TEMPLATE_NAME = '^[A-Za-z0-9_][A-Za-z0-9_.\\-/]{0,199}$';
// URLs the %pre hands to curl: http(s) only, no spaces or quotes (they travel in a line-based body).
const URL = { type: 'string', maxLength: 2048, pattern: '^https?://[^\\s"\'\\\\`]+$' } as const;

const HOSTNAME_FIELD = { type: 'string', pattern: HOSTNAME } as const;
const PARAMS = { type: 'object', maxProperties: 200 } as const;
// One line: the %pre reads the kexec answer line by line, so a newline would forge another field.
const APPEND = { type: 'string', maxLength: 4096, pattern: '^[^\\x00-\\x1f\\x7f]*$' } as const;
// The stage action: each file's sha256 and size, entered by the admin from the mirror's files (the
// service never fetches them); the %pre refuses a download that does not match both.
const SHA256 = { type: 'string', pattern: '^[0-9A-Fa-f]{64}$', description: 'sha256 of the file, 64 hex digits' } as const;
const SIZE = { type: 'integer', minimum: 1, maximum: 17179869184, description: 'size of the file in bytes' } as const;
// A disk as the facts name it (disks[].name: sda, nvme0n1, cciss!c0d0), never a path.
const STAGE_DISK = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.:!+-]{0,63}$',
  description: 'the disk to stage to, as the facts name it (default: the first non-removable disk)',
} as const;
const stageFields = {
  kernel: URL,
  kernel_sha256: SHA256,
  kernel_size: SIZE,
  initrd: URL,
  initrd_sha256: SHA256,
  initrd_size: SIZE,
  append: APPEND,
  stage_disk: STAGE_DISK,
} as const;
const STAGE_REQUIRED = ['kernel', 'kernel_sha256', 'kernel_size', 'initrd', 'initrd_sha256', 'initrd_size'] as const;

export const actionSchema = {
  $id: 'kickstand:assignment-action',
  type: 'object',
  required: ['action'],
  properties: { action: { enum: ['kickstart', 'kexec', 'stage', 'reboot'] } },
} as const satisfies JsonSchema;

export const kickstartAssignmentSchema = {
  $id: 'kickstand:assignment-kickstart',
  type: 'object',
  additionalProperties: false,
  required: ['action', 'template'],
  properties: {
    action: { const: 'kickstart' },
    template: { type: 'string', pattern: TEMPLATE_NAME },
    hostname: HOSTNAME_FIELD,
    params: PARAMS,
  },
} as const satisfies JsonSchema;

export const kexecAssignmentSchema = {
  $id: 'kickstand:assignment-kexec',
  type: 'object',
  additionalProperties: false,
  required: ['action', 'kernel', 'initrd'],
  properties: {
    action: { const: 'kexec' },
    kernel: URL,
    initrd: URL,
    append: APPEND,
    hostname: HOSTNAME_FIELD,
  },
} as const satisfies JsonSchema;

export const stageAssignmentSchema = {
  $id: 'kickstand:assignment-stage',
  type: 'object',
  additionalProperties: false,
  required: ['action', ...STAGE_REQUIRED],
  properties: { action: { const: 'stage' }, ...stageFields, hostname: HOSTNAME_FIELD },
} as const satisfies JsonSchema;

export const rebootAssignmentSchema = {
  $id: 'kickstand:assignment-reboot',
  type: 'object',
  additionalProperties: false,
  required: ['action'],
  properties: { action: { const: 'reboot' }, hostname: HOSTNAME_FIELD },
} as const satisfies JsonSchema;

export const registrationSchema = {
  $id: 'kickstand:registration',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'token', 'next', 'events'],
  properties: {
    id: { type: 'string' },
    token: {
      type: 'string',
      description: 'Bearer token for this host; shown once; dies when the host is installed or KICKSTAND_TOKEN_TTL hours after its answer',
    },
    next: { type: 'string', format: 'uri', description: 'Absolute URL to poll' },
    events: { type: 'string', format: 'uri', description: 'Absolute URL for install callbacks (POST, same token)' },
  },
} as const satisfies JsonSchema;

export const errorSchema = {
  $id: 'kickstand:error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        field: { type: 'string' },
        position: {
          type: 'object',
          description: 'where in the field an expression went wrong (the hosts filter `where`)',
          required: ['line', 'column'],
          properties: { line: { type: 'integer', minimum: 1 }, column: { type: 'integer', minimum: 1 } },
        },
      },
    },
  },
} as const satisfies JsonSchema;

// Names of profiles and rules: they appear in URLs and timelines.
export const NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';

export const profileAssignmentSchema = {
  $id: 'kickstand:assignment-profile',
  type: 'object',
  additionalProperties: false,
  required: ['profile'],
  properties: {
    profile: { type: 'string', pattern: NAME },
    hostname: HOSTNAME_FIELD,
    params: PARAMS,
  },
} as const satisfies JsonSchema;

const profileCommon = {
  name: { type: 'string', pattern: NAME },
  description: { type: 'string', maxLength: 1024 },
  // A boot entry's kickstand.profile=NAME takes only a bootable profile (docs/boot.md); default false.
  bootable: { type: 'boolean', description: 'kickstand.profile= on a boot entry may pick this profile (default false)' },
  // The BMC credential set of hosts assigned this profile (or by a rule naming it) that have none of their own.
  bmc_credentials: { type: 'string', pattern: NAME, description: 'a BMC credential set for its hosts (docs/bmc.md)' },
} as const;

export const profileSchema = {
  $id: 'kickstand:profile',
  type: 'object',
  required: ['name', 'action'],
  properties: { ...profileCommon, action: { enum: ['kickstart', 'kexec', 'stage', 'reboot'] } },
} as const satisfies JsonSchema;

export const kickstartProfileSchema = {
  $id: 'kickstand:profile-kickstart',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'action', 'template'],
  properties: { ...profileCommon, action: { const: 'kickstart' }, template: { type: 'string', pattern: TEMPLATE_NAME }, params: PARAMS },
} as const satisfies JsonSchema;

export const kexecProfileSchema = {
  $id: 'kickstand:profile-kexec',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'action', 'kernel', 'initrd'],
  properties: {
    ...profileCommon,
    action: { const: 'kexec' },
    kernel: URL,
    initrd: URL,
    append: APPEND,
  },
} as const satisfies JsonSchema;

export const stageProfileSchema = {
  $id: 'kickstand:profile-stage',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'action', ...STAGE_REQUIRED],
  properties: { ...profileCommon, action: { const: 'stage' }, ...stageFields },
} as const satisfies JsonSchema;

export const rebootProfileSchema = {
  $id: 'kickstand:profile-reboot',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'action'],
  properties: { ...profileCommon, action: { const: 'reboot' } },
} as const satisfies JsonSchema;

export const ruleSchema = {
  $id: 'kickstand:rule',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'expression', 'profile'],
  properties: {
    name: { type: 'string', pattern: NAME },
    description: { type: 'string', maxLength: 1024 },
    expression: { type: 'string', minLength: 1, maxLength: 4000 },
    profile: { type: 'string', pattern: NAME },
    hostname_pattern: { type: 'string', minLength: 1, maxLength: 512 },
    priority: { type: 'integer', minimum: 0, maximum: 1000000 },
    limit: { type: 'integer', minimum: 0, maximum: 1000000 },
    enabled: { type: 'boolean' },
  },
} as const satisfies JsonSchema;

export const settingsSchema = {
  $id: 'kickstand:settings',
  type: 'object',
  additionalProperties: false,
  properties: {
    auto_provision: { type: 'boolean' },
    // Empty: no default set.
    bmc_default_credentials: {
      type: 'string',
      pattern: '^([A-Za-z0-9][A-Za-z0-9_.-]{0,63})?$',
      description: 'the BMC credential set of hosts with no other credentials (empty: none)',
    },
  },
} as const satisfies JsonSchema;
