// The OpenAPI 3.1 document, built from the same schema objects ajv enforces, so the published
// contract cannot drift from what the service accepts. Served at GET /api/v1/openapi.json.
import { factsSchema } from './facts.js';
import {
  errorSchema,
  kexecAssignmentSchema,
  kexecProfileSchema,
  kickstartAssignmentSchema,
  kickstartProfileSchema,
  profileAssignmentSchema,
  rebootAssignmentSchema,
  rebootProfileSchema,
  registrationSchema,
  ruleSchema,
  settingsSchema,
  stageAssignmentSchema,
  stageProfileSchema,
} from './assignment.js';
import type { JsonSchema } from './json-schema.js';
import { bootKeySchema } from './boot-key.js';
import { templatePreviewSchema, templateRollbackSchema, templateSaveSchema } from './templates.js';

const component = (schema: JsonSchema): JsonSchema => {
  const { $id: _id, ...rest } = schema;
  return rest;
};
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { description: 'error', content: json('Error') }]));

export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: { title: 'Kickstand', version, description: 'Discovery through Anaconda: stub kickstart, facts, polling, assignment.' },
    components: {
      securitySchemes: {
        admin: { type: 'http', scheme: 'bearer', description: 'KICKSTAND_ADMIN_TOKEN' },
        host: { type: 'http', scheme: 'bearer', description: 'the token returned by POST /api/v1/discovery' },
      },
      schemas: {
        Facts: component(factsSchema),
        Registration: component(registrationSchema),
        KickstartAssignment: component(kickstartAssignmentSchema),
        KexecAssignment: component(kexecAssignmentSchema),
        StageAssignment: component(stageAssignmentSchema),
        RebootAssignment: component(rebootAssignmentSchema),
        ProfileAssignment: component(profileAssignmentSchema),
        KickstartProfile: component(kickstartProfileSchema),
        KexecProfile: component(kexecProfileSchema),
        StageProfile: component(stageProfileSchema),
        RebootProfile: component(rebootProfileSchema),
        Rule: component(ruleSchema),
        Settings: component(settingsSchema),
        TemplateSave: component(templateSaveSchema),
        TemplateRollback: component(templateRollbackSchema),
        TemplatePreview: component(templatePreviewSchema),
        BootKey: component(bootKeySchema),
        Error: component(errorSchema),
      },
    },
    paths: {
      '/ks': {
        get: {
          summary: 'The stub kickstart (always 200)',
          responses: { '200': { description: 'stub kickstart', content: { 'text/plain': {} } } },
        },
      },
      '/api/v1/discovery': {
        post: {
          summary: 'Register a machine with its facts',
          parameters: [
            {
              name: 'X-Kickstand-Boot-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{16,128}$' },
              description: 'kickstand.key= from the boot line; a host with a boot key is matched only by a registration presenting it',
            },
          ],
          requestBody: { required: true, content: json('Facts') },
          responses: {
            '201': { description: 'new host', content: json('Registration') },
            '200': {
              description:
                'known machine, facts refreshed — or, for a machine that claims the identity of an assigned, provisioning or installed host (or of a host whose boot key it lacks), a claim token whose polls get 409 IDENTITY_CONFLICT',
              content: json('Registration'),
            },
            ...errors(400, 413, 415, 429, 503),
          },
        },
      },
      '/api/v1/discovery/{id}/next': {
        get: {
          summary: 'What the machine does next',
          security: [{ host: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '202': {
              description: 'not assigned yet; poll again after Retry-After seconds',
              headers: { 'Retry-After': { schema: { type: 'integer' } } },
            },
            '200': {
              description: 'the answer; X-Kickstand-Action is kickstart, kexec, stage or reboot',
              headers: { 'X-Kickstand-Action': { schema: { enum: ['kickstart', 'kexec', 'stage', 'reboot'] } } },
              content: { 'text/plain': {} },
            },
            '409': {
              description:
                'IDENTITY_CONFLICT: a claim token; another machine holds this identity until an operator releases the host to this one',
              content: json('Error'),
            },
            ...errors(401),
          },
        },
      },
      '/api/v1/hosts': {
        get: { summary: 'List hosts', security: [{ admin: [] }], responses: { '200': { description: 'hosts' }, ...errors(401) } },
      },
      '/api/v1/hosts/{id}': {
        get: {
          summary: 'A host with facts and timeline',
          security: [{ admin: [] }],
          responses: { '200': { description: 'host' }, ...errors(401, 404) },
        },
        delete: {
          summary: 'Forget a host',
          security: [{ admin: [] }],
          responses: { '204': { description: 'deleted' }, ...errors(401, 404) },
        },
      },
      '/api/v1/hosts/{id}/assignment': {
        post: {
          summary: 'Assign a kickstart, kexec, stage or reboot',
          security: [{ admin: [] }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    ref('KickstartAssignment'),
                    ref('KexecAssignment'),
                    ref('StageAssignment'),
                    ref('RebootAssignment'),
                    ref('ProfileAssignment'),
                  ],
                },
              },
            },
          },
          responses: { '200': { description: 'assigned' }, ...errors(400, 401, 404, 409) },
        },
      },
      '/api/v1/hosts/{id}/conflict/release': {
        post: {
          summary: 'Release a host in an identity conflict to the machine that claimed it (its claim becomes the host token)',
          security: [{ admin: [] }],
          responses: { '200': { description: 'host' }, ...errors(401, 403, 404) },
        },
      },
      '/api/v1/hosts/{id}/boot-key': {
        post: {
          summary: 'Draw a random boot key (admin role); answered once',
          security: [{ admin: [] }],
          responses: { '200': { description: '{key, host}' }, ...errors(401, 403, 404) },
        },
        put: {
          summary: 'Set the boot key (admin role)',
          security: [{ admin: [] }],
          requestBody: { required: true, content: json('BootKey') },
          responses: { '200': { description: '{key, host}' }, ...errors(400, 401, 403, 404) },
        },
        delete: {
          summary: 'Clear the boot key (admin role)',
          security: [{ admin: [] }],
          responses: { '200': { description: 'host' }, ...errors(401, 403, 404) },
        },
      },
      '/api/v1/hosts/{id}/boot-entries': {
        get: {
          summary: 'Per-MAC PXELinux, GRUB and iPXE entries for the host, boot key included (admin role); ?installer= ?repo= ?profile=',
          security: [{ admin: [] }],
          responses: { '200': { description: 'file name and text per loader' }, ...errors(400, 401, 403, 404) },
        },
      },
      '/api/v1/hosts/{id}/auto-assign': {
        post: {
          summary: 'Run the rules for one waiting host',
          security: [{ admin: [] }],
          responses: { '200': { description: 'outcome with each rule verdict' }, ...errors(401, 404) },
        },
      },
      '/api/v1/hosts/auto-assign': {
        post: {
          summary: 'Run the rules for every waiting host',
          security: [{ admin: [] }],
          responses: { '200': { description: 'outcome per host' }, ...errors(401) },
        },
      },
      '/api/v1/profiles': {
        get: { summary: 'List profiles', security: [{ admin: [] }], responses: { '200': { description: 'profiles' }, ...errors(401) } },
        post: {
          summary: 'Create a profile',
          security: [{ admin: [] }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { oneOf: [ref('KickstartProfile'), ref('KexecProfile'), ref('StageProfile'), ref('RebootProfile')] },
              },
            },
          },
          responses: { '201': { description: 'created' }, ...errors(400, 401, 409) },
        },
      },
      '/api/v1/profiles/{name}': {
        get: {
          summary: 'A profile and what uses it',
          security: [{ admin: [] }],
          responses: { '200': { description: 'profile' }, ...errors(401, 404) },
        },
        put: {
          summary: 'Replace a profile',
          security: [{ admin: [] }],
          responses: { '200': { description: 'replaced' }, ...errors(400, 401, 404) },
        },
        delete: {
          summary: 'Delete a profile (?force=true when in use)',
          security: [{ admin: [] }],
          parameters: [{ name: 'force', in: 'query', schema: { type: 'boolean' } }],
          responses: { '200': { description: 'deleted, with what used it' }, ...errors(401, 404, 409) },
        },
      },
      '/api/v1/rules': {
        get: {
          summary: 'List rules in the order they are tried',
          security: [{ admin: [] }],
          responses: { '200': { description: 'rules' }, ...errors(401) },
        },
        post: {
          summary: 'Create a rule',
          security: [{ admin: [] }],
          requestBody: { required: true, content: json('Rule') },
          responses: { '201': { description: 'created' }, ...errors(400, 401, 409) },
        },
      },
      '/api/v1/rules/preview': {
        post: {
          summary: 'What a rule (saved or not) would do now; nothing is stored',
          security: [{ admin: [] }],
          responses: { '200': { description: 'matches and explanation' }, ...errors(400, 401, 404) },
        },
      },
      '/api/v1/rules/{name}': {
        get: { summary: 'A rule', security: [{ admin: [] }], responses: { '200': { description: 'rule' }, ...errors(401, 404) } },
        put: {
          summary: 'Replace a rule (its sequence carries on)',
          security: [{ admin: [] }],
          requestBody: { required: true, content: json('Rule') },
          responses: { '200': { description: 'replaced' }, ...errors(400, 401, 404) },
        },
        delete: {
          summary: 'Delete a rule',
          security: [{ admin: [] }],
          responses: { '204': { description: 'deleted' }, ...errors(401, 404) },
        },
      },
      '/api/v1/settings': {
        get: {
          summary: 'Settings',
          security: [{ admin: [] }],
          responses: { '200': { description: 'settings', content: json('Settings') } },
        },
        patch: {
          summary: 'Change settings',
          security: [{ admin: [] }],
          requestBody: { required: true, content: json('Settings') },
          responses: { '200': { description: 'settings' }, ...errors(400, 401) },
        },
      },
      '/api/v1/templates': {
        get: {
          summary: 'Every editable template file, with its newest version',
          security: [{ admin: [] }],
          responses: { '200': { description: 'templates' }, ...errors(401) },
        },
      },
      '/api/v1/templates/{name}': {
        get: {
          summary: 'A template: text in service, its sha256 and its versions (name may hold "/")',
          security: [{ admin: [] }],
          responses: { '200': { description: 'template' }, ...errors(401, 404) },
        },
        put: {
          summary: 'Save (author role): refused with the line when it does not compile; 409 when changed since base_sha256',
          security: [{ admin: [] }],
          requestBody: { required: true, content: json('TemplateSave') },
          responses: { '200': { description: 'saved (or unchanged)' }, '201': { description: 'created' }, ...errors(400, 401, 403, 409) },
        },
      },
      '/api/v1/templates/{name}/versions/{version}': {
        get: {
          summary: 'One version with its text and its diff from the version before',
          security: [{ admin: [] }],
          responses: { '200': { description: 'version' }, ...errors(401, 404) },
        },
      },
      '/api/v1/templates/{name}/rollback': {
        post: {
          summary: 'Put an earlier version back in service, as a new version',
          security: [{ admin: [] }],
          requestBody: { required: true, content: json('TemplateRollback') },
          responses: { '200': { description: 'rolled back' }, ...errors(400, 401, 403, 404, 409) },
        },
      },
      '/api/v1/templates/{name}/preview': {
        post: {
          summary: 'Render saved or unsaved text for a host or sample facts and lint it; nothing is stored',
          security: [{ admin: [] }],
          requestBody: { required: false, content: json('TemplatePreview') },
          responses: { '200': { description: 'rendered text and findings' }, ...errors(400, 401, 403, 404) },
        },
      },
      '/api/v1/hosts/{id}/kickstart': {
        get: {
          summary: 'Preview the kickstart this host would receive',
          security: [{ admin: [] }],
          responses: { '200': { description: 'kickstart', content: { 'text/plain': {} } }, ...errors(400, 401, 404) },
        },
      },
    },
  };
}
