// The admin API over hosts: list, one host with its facts and timeline, assignment, reset and
// reprovision, the install log, identity-conflict release, boot keys and per-MAC boot entries.
// Host views are src/hosts/views.ts: never the token hash, the boot key or the claim hash.
import { bootKeySchema } from '../boot-key.js';
import {
  kexecAssignmentSchema,
  kickstartAssignmentSchema,
  profileAssignmentSchema,
  rebootAssignmentSchema,
  stageAssignmentSchema,
} from '../assignment.js';
import type { JsonSchema } from '../json-schema.js';
import type { ApiArea } from './area.js';
import { noContent, ok, pathParam, query, ref, text, operationsOf } from './build.js';
import { actionFields, component, dateTime } from './components.js';

const TAG = 'Hosts';
const id = pathParam('id', 'the host id');
const STATES = ['discovered', 'assigned', 'provisioning', 'installed', 'failed', 'lost'] as const;

const hostProperties = {
  id: { type: 'string' },
  state: { enum: [...STATES] },
  boot_mac: { type: 'string', description: 'MAC of the NIC the machine booted from: its primary identity' },
  macs: { type: 'array', items: { type: 'string' } },
  uuid: { type: 'string', description: 'DMI system UUID (placeholders dropped)' },
  serial: { type: 'string' },
  hostname: { type: 'string' },
  token_expires_at: dateTime,
  callbacks: { type: 'array', items: { type: 'string' }, description: 'install callbacks already recorded for the current answer' },
  summary: ref('HostSummary'),
  assignment: ref('HostAssignment'),
  created_at: dateTime,
  updated_at: dateTime,
  last_seen_at: dateTime,
  last_seen_ip: { type: 'string' },
  conflict: ref('HostConflict'),
  expected: ref('HostExpected'),
  expected_ambiguous: ref('HostExpectedAmbiguous'),
  boot_key_set: { type: 'boolean', description: 'a boot key is set (the key itself is never shown here)' },
  bmc: ref('BmcSummary'),
  tags: { type: 'array', items: { type: 'string' }, description: 'free tags people gave it (docs/inventory.md#tags)' },
  auto_tags: { type: 'array', items: { type: 'string' }, description: 'tags its facts earned from the tag definitions' },
  power: {
    type: 'object',
    required: ['state', 'checked_at'],
    additionalProperties: false,
    description:
      'the last power state the BMC answered (docs/bmc.md#actions-the-job-queue-and-the-power-column); kept by the background refresh',
    properties: { state: { enum: ['on', 'off', 'unknown'] }, checked_at: dateTime, error: { type: 'string' } },
  },
} as const;
const hostRequired = ['id', 'state', 'boot_mac', 'macs', 'summary', 'created_at', 'updated_at', 'last_seen_at', 'boot_key_set'];

const schemas: Record<string, JsonSchema> = {
  KickstartAssignment: component(kickstartAssignmentSchema),
  KexecAssignment: component(kexecAssignmentSchema),
  StageAssignment: component(stageAssignmentSchema),
  RebootAssignment: component(rebootAssignmentSchema),
  ProfileAssignment: component(profileAssignmentSchema),
  BootKey: component(bootKeySchema),
  HostSummary: {
    type: 'object',
    description: 'What the host list shows without opening the facts',
    additionalProperties: false,
    required: ['disk_count', 'disk_total_bytes', 'nic_count', 'kexec'],
    properties: {
      vendor: { type: 'string' },
      product: { type: 'string' },
      serial: { type: 'string' },
      arch: { type: 'string' },
      cpu_model: { type: 'string' },
      cpu_cores: { type: ['integer', 'null'] },
      memory_mib: { type: ['integer', 'null'] },
      disk_count: { type: 'integer' },
      disk_total_bytes: { type: 'integer' },
      nic_count: { type: 'integer' },
      ip: { type: 'string' },
      firmware: { type: 'string' },
      kexec: { type: 'boolean' },
      installer: { type: 'string' },
      bmc_ip: { type: 'string', description: 'the BMC address the facts report (facts.bmc.ip; 0.0.0.0 left out), adopted or not' },
    },
  },
  HostAssignment: {
    type: 'object',
    description: 'What the host does at its next poll; secret params show as "***"',
    additionalProperties: false,
    required: ['action'],
    properties: {
      ...actionFields,
      profile: { type: 'string', description: 'the profile it came from' },
      rule: { type: 'string', description: 'the rule that chose it' },
    },
  },
  HostConflict: {
    type: 'object',
    description: "Another machine claims this host's identity (docs/discovery.md#identity-conflicts): what it reported",
    additionalProperties: false,
    required: ['at', 'ip', 'boot_mac', 'macs', 'matched_by', 'reason'],
    properties: {
      at: dateTime,
      ip: { type: 'string' },
      boot_mac: { type: 'string' },
      macs: { type: 'array', items: { type: 'string' } },
      uuid: { type: 'string' },
      matched_by: { enum: ['boot_mac', 'uuid'] },
      reason: { type: 'string' },
      refused_at: dateTime,
    },
  },
  HostEvent: {
    type: 'object',
    additionalProperties: false,
    required: ['at', 'type', 'actor', 'message'],
    properties: {
      at: dateTime,
      type: { type: 'string', description: 'discovered, rediscovered, stub-fetched, assigned, delivered, installed, failed…' },
      actor: { type: 'string' },
      ip: { type: 'string' },
      message: { type: 'string' },
      log_truncated: { const: true },
    },
  },
  Host: { type: 'object', additionalProperties: false, required: hostRequired, properties: hostProperties },
  HostDetail: {
    type: 'object',
    additionalProperties: false,
    required: [...hostRequired, 'events', 'facts'],
    properties: {
      ...hostProperties,
      events: { type: 'array', items: ref('HostEvent'), description: 'the timeline, newest last' },
      facts: { oneOf: [ref('Facts'), { type: 'null' }], description: 'null when the facts cannot be read' },
    },
  },
  HostList: {
    type: 'object',
    additionalProperties: false,
    required: ['hosts'],
    properties: {
      hosts: { type: 'array', items: ref('Host') },
      total: { type: 'integer', minimum: 0, description: 'hosts matching the filter (all pages)' },
      next_cursor: { type: ['string', 'null'], description: 'the cursor of the next page; absent or null on the last' },
    },
  },
  BootKeySet: {
    type: 'object',
    additionalProperties: false,
    required: ['key', 'host'],
    properties: { key: { type: 'string', description: 'the boot key, answered this once (Cache-Control: no-store)' }, host: ref('Host') },
  },
  BootEntries: {
    type: 'object',
    additionalProperties: false,
    required: ['boot_key_set', 'pxelinux', 'grub', 'ipxe'],
    properties: {
      boot_key_set: { type: 'boolean' },
      pxelinux: ref('BootEntryFile'),
      grub: ref('BootEntryFile'),
      ipxe: ref('BootEntryFile'),
    },
  },
  BootEntryFile: {
    type: 'object',
    additionalProperties: false,
    required: ['file', 'text'],
    properties: { file: { type: 'string', description: 'where the loader looks for it' }, text: { type: 'string' } },
  },
};

const op = operationsOf(TAG);
const sourceQuery = [
  query('installer', 'an installer source by name'),
  query('repo', 'an install tree URL (not with installer)'),
  query('profile', 'kickstand.profile= on the entries'),
];

export const hosts: ApiArea = {
  tag: { name: TAG, description: 'Registered machines: their facts, timeline, assignment and lifecycle.' },
  schemas,
  paths: {
    '/api/v1/hosts': {
      get: op({
        operationId: 'listHosts',
        summary: 'List hosts',
        description:
          'Filter, sort and page parameters: see docs/api.md (hosts query parameters). `total` and `next_cursor` come with them.',
        permission: 'read',
        parameters: [
          query('state', 'only hosts in this state', { enum: [...STATES] }),
          query(
            'q',
            'search text (≤ 200 characters): every word in id, hostname, state, a MAC (any spelling), serial, UUID, vendor, model, CPU model, IP, arch, firmware, installer, profile or rule',
            { type: 'string', maxLength: 200 },
          ),
          query(
            'where',
            'a rule-language expression over the summary fields (docs/web.md#the-filter-language), e.g. memory_mib >= 250000 and dmi.vendor ~ "Dell"; an error has `position`',
          ),
          query('sort', 'the field to sort by; ties broken by id, hosts without the value last', {
            enum: [
              'first_seen',
              'hostname',
              'state',
              'mac',
              'vendor',
              'cpu',
              'memory',
              'disks',
              'ip',
              'last_seen',
              'serial',
              'uuid',
              'arch',
              'firmware',
              'installer',
              'kexec',
              'nics',
              'cores',
              'profile',
              'rule',
            ],
          }),
          query('dir', 'sort direction (default asc)', { enum: ['asc', 'desc'] }),
          query('limit', 'hosts per page; without it every matching host comes back (next_cursor null)', {
            type: 'integer',
            minimum: 1,
            maximum: 1000,
          }),
          query('cursor', 'the next_cursor of the previous page'),
        ],
        responses: { '200': ok('hosts', 'HostList') },
        errors: [400],
      }),
    },
    '/api/v1/hosts/{id}': {
      parameters: [id],
      get: op({
        operationId: 'getHost',
        summary: 'A host with its facts and timeline',
        permission: 'read',
        responses: { '200': ok('the host', 'HostDetail') },
        errors: [404],
      }),
      delete: op({
        operationId: 'deleteHost',
        summary: 'Forget a host: its facts, log and token go too',
        permission: 'hosts:write',
        writes: true,
        responses: { '204': noContent },
        errors: [404],
      }),
    },
    '/api/v1/hosts/{id}/assignment': {
      parameters: [id],
      post: op({
        operationId: 'assignHost',
        summary: 'Assign a kickstart, kexec, stage or reboot — or a profile',
        description: "A kickstart is rendered once against the host's facts before it is stored: a missing param is 400 TEMPLATE_RENDER.",
        permission: 'hosts:write',
        writes: true,
        body: {
          oneOf: [
            ref('KickstartAssignment'),
            ref('KexecAssignment'),
            ref('StageAssignment'),
            ref('RebootAssignment'),
            ref('ProfileAssignment'),
          ],
        },
        responses: { '200': ok('the host, assigned', 'Host') },
        errors: [404, 409],
      }),
    },
    '/api/v1/hosts/{id}/kickstart': {
      parameters: [id],
      get: op({
        operationId: 'previewHostKickstart',
        summary: "The kickstart this host's next poll would receive",
        description: 'It holds password hashes and opened secrets: operators only.',
        permission: 'hosts:write',
        responses: { '200': text('the rendered kickstart') },
        errors: [400, [404, 'HOST_NOT_FOUND, or NOT_FOUND: the host has no kickstart assignment'], 503],
      }),
    },
    '/api/v1/hosts/{id}/reset': {
      parameters: [id],
      post: op({
        operationId: 'resetHost',
        summary: 'Back to discovered from assigned, provisioning, failed or lost (the assignment is dropped)',
        permission: 'hosts:write',
        writes: true,
        responses: { '200': ok('the host', 'Host') },
        errors: [404, [409, 'INVALID_TRANSITION: not from this state (field: state)']],
      }),
    },
    '/api/v1/hosts/{id}/reprovision': {
      parameters: [id],
      post: op({
        operationId: 'reprovisionHost',
        summary: 'An installed host back to discovered: the only way to reinstall it',
        permission: 'hosts:write',
        writes: true,
        responses: { '200': ok('the host', 'Host') },
        errors: [404, [409, 'INVALID_TRANSITION: the host is not installed (field: state)']],
      }),
    },
    '/api/v1/hosts/{id}/install-log': {
      parameters: [id],
      get: op({
        operationId: 'getInstallLog',
        summary: "The tail of the installer's logs a failed install sent (%onerror)",
        permission: 'read',
        responses: { '200': text('the log tail (at most 64 KiB)') },
        errors: [[404, 'HOST_NOT_FOUND, or NOT_FOUND: the host has no install log']],
      }),
    },
    '/api/v1/hosts/{id}/conflict/release': {
      parameters: [id],
      post: op({
        operationId: 'releaseConflict',
        summary: 'Give a host in an identity conflict to the machine that claimed it (its claim becomes the host token)',
        permission: 'hosts:write',
        writes: true,
        responses: { '200': ok('the host', 'Host') },
        errors: [[404, 'HOST_NOT_FOUND, or NOT_FOUND with field conflict: the host has no identity conflict'], 409],
      }),
    },
    '/api/v1/hosts/{id}/boot-key': {
      parameters: [id],
      post: op({
        operationId: 'drawBootKey',
        summary: 'Draw a random boot key (128 bits); answered once',
        permission: 'users:write',
        writes: true,
        responses: { '200': ok('the key and the host', 'BootKeySet') },
        errors: [404],
      }),
      put: op({
        operationId: 'setBootKey',
        summary: 'Set the boot key given; answered once',
        permission: 'users:write',
        writes: true,
        body: 'BootKey',
        responses: { '200': ok('the key and the host', 'BootKeySet') },
        errors: [404],
      }),
      delete: op({
        operationId: 'clearBootKey',
        summary: 'Clear the boot key: any registration with the boot MAC or UUID matches again',
        permission: 'users:write',
        writes: true,
        responses: { '200': ok('the host', 'Host') },
        errors: [404],
      }),
    },
    '/api/v1/hosts/{id}/boot-entries': {
      parameters: [id],
      get: op({
        operationId: 'getHostBootEntries',
        summary: 'Per-MAC PXELinux, GRUB and iPXE entries for the host, boot key included',
        permission: 'users:write',
        parameters: sourceQuery,
        responses: { '200': ok('file name and text per loader', 'BootEntries') },
        errors: [400, [404, 'HOST_NOT_FOUND, INSTALLER_NOT_FOUND or PROFILE_NOT_FOUND']],
      }),
    },
  },
};
