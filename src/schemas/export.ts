// The lines of an export (store/export/format.ts), checked before an import writes anything. Each
// record asks for what the stores and the service rely on — keys, lookups, lists they walk — and lets
// other fields through, so a field added to a record later does not make older Kickstands' exports
// unreadable. The envelope of a line is strict: a misspelt key is a damaged line, not a lost record.
import { ROLES } from '../auth/roles.js';
import { STATES } from '../hosts/table.js';
import { EXPORT_FORMAT, EXPORT_VERSION, RECORD_TYPES } from '../store/export/format.js';
import { BMC_DRIVERS } from '../bmc/bmc.js';
import { FREE_TEXT_PATTERN, MAC_PATTERN, UUID_PATTERN } from '../expected-hosts/expected-host.js';
import { MAX_TAGS_PER_HOST, TAG_PATTERN } from '../tags/tag.js';
import { HOSTNAME } from './assignment.js';
import type { JsonSchema } from './json-schema.js';

const text = { type: 'string' } as const;
const name = { type: 'string', minLength: 1 } as const;
const count = { type: 'integer', minimum: 0 } as const;

/** `{ type, <key>: record, ...more }`, nothing else. */
function line(type: string, key: string, record: JsonSchema, more: Record<string, JsonSchema> = {}): JsonSchema {
  return {
    $id: `kickstand:export-${type}`,
    type: 'object',
    additionalProperties: false,
    required: ['type', key],
    properties: { type: { const: type }, [key]: record, ...more },
  };
}

function record(required: Record<string, JsonSchema>, optional: Record<string, JsonSchema> = {}): JsonSchema {
  return { type: 'object', required: Object.keys(required), properties: { ...required, ...optional } };
}

const stamps = { created_at: name, updated_at: name };

// An expected host's match keys and BMC as the import checks them (expected-hosts/validate.ts): a data
// move brings no record an import would refuse (a serial starting with =, a MAC that is not one).
const freeText = { type: 'string', pattern: FREE_TEXT_PATTERN } as const;
const expectedMatch = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    boot_mac: { type: 'string', pattern: MAC_PATTERN },
    mac: { type: 'string', pattern: MAC_PATTERN },
    serial: freeText,
    asset_tag: freeText,
    uuid: { type: 'string', pattern: UUID_PATTERN },
    switch: freeText,
    port: freeText,
  },
  dependentRequired: { switch: ['port'], port: ['switch'] },
} as const satisfies JsonSchema;
const expectedBmc = {
  type: 'object',
  required: ['driver', 'address'],
  properties: {
    driver: { enum: [...BMC_DRIVERS] },
    address: name,
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    credentials: name,
  },
} as const satisfies JsonSchema;

const OPTIONAL_COUNTS: ReadonlySet<string> = new Set(['webhook', 'bmc_credentials', 'tag_definition', 'expected_host']);

export const exportHeaderSchema = {
  $id: 'kickstand:export-header',
  type: 'object',
  required: ['format', 'version', 'exported_at', 'source', 'secret_key_fingerprint'],
  properties: {
    format: { const: EXPORT_FORMAT },
    version: { const: EXPORT_VERSION },
    exported_at: text,
    source: text,
    secret_key_fingerprint: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    note: text,
  },
} as const satisfies JsonSchema;

export const exportLineSchemas = {
  settings: line('settings', 'settings', record({ auto_provision: { type: 'boolean' } })),
  profile: line('profile', 'profile', record({ name, action: { enum: ['kickstart', 'kexec', 'stage', 'reboot'] }, ...stamps })),
  rule: line(
    'rule',
    'rule',
    record({
      name,
      expression: text,
      profile: name,
      hostname_pattern: text,
      priority: { type: 'number' },
      limit: count,
      enabled: { type: 'boolean' },
      sequence: count,
      ...stamps,
    }),
  ),
  installer: line('installer', 'installer', record({ name, repo: text, version: text, source: { const: 'api' } })),
  webhook: line('webhook', 'webhook', record({ name, url: text, secret: text, enabled: { type: 'boolean' }, created_at: name })),
  bmc_credentials: line('bmc_credentials', 'bmc_credentials', record({ name, username: text, password: text, created_at: name })),
  tag_definition: line('tag_definition', 'tag_definition', record({ name, expression: text, ...stamps })),
  expected_host: line(
    'expected_host',
    'expected_host',
    record(
      { id: name, match: expectedMatch, provision: { type: 'boolean' }, ...stamps },
      {
        hostname: { type: 'string', pattern: HOSTNAME },
        profile: name,
        tags: { type: 'array', maxItems: MAX_TAGS_PER_HOST, items: { type: 'string', pattern: TAG_PATTERN.source } },
        params: { type: 'object' },
        bmc: expectedBmc,
        claimed_by: text,
      },
    ),
  ),
  user: line(
    'user',
    'user',
    record({
      name,
      role: { enum: ROLES },
      password_hash: text,
      tokens: { type: 'array', items: record({ id: name, name: text, hash: name, created_at: name }) },
      ...stamps,
    }),
  ),
  template_version: line(
    'template_version',
    'version',
    record({
      name,
      version: { type: 'integer', minimum: 1 },
      content: text,
      sha256: text,
      author: text,
      at: name,
      action: { enum: ['save', 'rollback', 'import', 'create'] },
    }),
  ),
  host: line(
    'host',
    'host',
    record(
      {
        id: name,
        state: { enum: STATES },
        boot_mac: name,
        macs: { type: 'array', items: text },
        token_hash: text,
        summary: { type: 'object' },
        ...stamps,
        last_seen_at: name,
        events: { type: 'array', items: record({ at: name, type: name, actor: text, message: text }) },
      },
      {
        uuid: text,
        hostname: text,
        token_expires_at: text,
        assignment: record({ action: { enum: ['kickstart', 'kexec', 'stage', 'reboot'] } }),
      },
    ),
    { facts: { type: 'object' }, install_log: text },
  ),
  audit: line('audit', 'entry', record({ at: name, actor: text, action: name, target: text }, { seq: count })),
  end: line('end', 'counts', {
    type: 'object',
    additionalProperties: false,
    // Exports written before webhooks (BMC credential sets, tag definitions, expected hosts) existed have
    // no count of them: none.
    required: RECORD_TYPES.filter((t) => !OPTIONAL_COUNTS.has(t)),
    properties: Object.fromEntries(RECORD_TYPES.map((t) => [t, count])),
  }),
} as const satisfies Record<string, JsonSchema>;
