// The admin API over discovery rules, their preview, running them (auto-assign) and the
// auto-provision setting (docs/rules.md).
import { NAME, ruleSchema, settingsSchema } from '../assignment.js';
import type { ApiArea } from './area.js';
import { noContent, ok, pathParam, ref, operationsOf } from './build.js';
import { component, dateTime, nameOptional } from './components.js';

const TAG = 'Rules';
const name = pathParam('name', 'the rule name', { type: 'string', pattern: NAME });
const op = operationsOf(TAG);
const verdicts = { type: 'array', items: ref('RuleVerdict') } as const;

export const rules: ApiArea = {
  tag: { name: TAG, description: 'Which machines get which profile and hostname, tried in order; and running them.' },
  schemas: {
    RuleInput: component(ruleSchema),
    RuleReplace: nameOptional(ruleSchema),
    Settings: component(settingsSchema),
    Rule: {
      type: 'object',
      additionalProperties: false,
      required: [
        'name',
        'expression',
        'profile',
        'hostname_pattern',
        'priority',
        'limit',
        'enabled',
        'sequence',
        'created_at',
        'updated_at',
      ],
      properties: {
        ...ruleSchema.properties,
        sequence: { type: 'integer', description: 'the last number seq() handed out in the hostname pattern' },
        created_at: dateTime,
        updated_at: dateTime,
      },
    },
    RuleList: {
      type: 'object',
      additionalProperties: false,
      required: ['rules'],
      properties: { rules: { type: 'array', items: ref('Rule') } },
    },
    RulePreviewRequest: {
      type: 'object',
      additionalProperties: false,
      required: ['rule'],
      properties: {
        rule: { oneOf: [{ type: 'string', description: "a saved rule's name" }, ref('RuleInput')] },
        host: { type: 'string', description: 'also explain, for this host, which rule would win and why each earlier one did not' },
      },
    },
    RuleVerdict: {
      type: 'object',
      additionalProperties: false,
      required: ['rule', 'outcome', 'reason'],
      properties: {
        rule: { type: 'string' },
        outcome: { enum: ['matched', 'disabled', 'no-match', 'limit-reached'] },
        reason: { type: 'string' },
      },
    },
    RulePreview: {
      type: 'object',
      additionalProperties: false,
      required: ['rule', 'matches'],
      properties: {
        rule: { type: 'string' },
        matches: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['host', 'boot_mac', 'hostname', 'within_limit'],
            properties: {
              host: { type: 'string' },
              boot_mac: { type: 'string' },
              hostname: { type: ['string', 'null'] },
              within_limit: { type: 'boolean' },
              problem: { type: 'string' },
            },
          },
        },
        explain: {
          type: 'object',
          additionalProperties: false,
          required: ['host', 'winner', 'verdicts'],
          properties: { host: { type: 'string' }, winner: { type: ['string', 'null'] }, verdicts },
        },
      },
    },
    AutoAssignResult: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'outcome', 'reason', 'verdicts'],
      properties: {
        host: { type: 'string' },
        outcome: { enum: ['assigned', 'no-rule', 'failed', 'skipped'] },
        rule: { type: 'string' },
        hostname: { type: 'string' },
        reason: { type: 'string' },
        verdicts,
      },
    },
    AutoAssignResults: {
      type: 'object',
      additionalProperties: false,
      required: ['results'],
      properties: { results: { type: 'array', items: ref('AutoAssignResult') } },
    },
  },
  paths: {
    '/api/v1/rules': {
      get: op({
        operationId: 'listRules',
        summary: 'List rules in the order they are tried',
        permission: 'read',
        responses: { '200': ok('rules', 'RuleList') },
      }),
      post: op({
        operationId: 'createRule',
        summary: 'Create a rule',
        permission: 'hosts:write',
        writes: true,
        body: 'RuleInput',
        responses: { '201': ok('created', 'Rule') },
        errors: [[409, 'NAME_TAKEN: a rule with this name exists']],
      }),
    },
    '/api/v1/rules/preview': {
      post: op({
        operationId: 'previewRule',
        summary: 'What a rule (saved or not) would do now; nothing is stored',
        permission: 'read',
        body: 'RulePreviewRequest',
        responses: { '200': ok('matches and explanation', 'RulePreview') },
        errors: [404],
      }),
    },
    '/api/v1/rules/{name}': {
      parameters: [name],
      get: op({
        operationId: 'getRule',
        summary: 'A rule',
        permission: 'read',
        responses: { '200': ok('the rule', 'Rule') },
        errors: [404],
      }),
      put: op({
        operationId: 'replaceRule',
        summary: 'Replace a rule (its sequence carries on)',
        description: "The body's name may be left out; given, it must be the URL's.",
        permission: 'hosts:write',
        writes: true,
        body: 'RuleReplace',
        responses: { '200': ok('replaced', 'Rule') },
        errors: [404],
      }),
      delete: op({
        operationId: 'deleteRule',
        summary: 'Delete a rule',
        permission: 'hosts:write',
        writes: true,
        responses: { '204': noContent },
        errors: [404],
      }),
    },
    '/api/v1/hosts/auto-assign': {
      post: op({
        operationId: 'autoAssignWaiting',
        summary: 'Run the rules for every waiting host',
        permission: 'hosts:write',
        writes: true,
        responses: { '200': ok('the outcome per host', 'AutoAssignResults') },
      }),
    },
    '/api/v1/hosts/{id}/auto-assign': {
      parameters: [pathParam('id', 'the host id')],
      post: op({
        operationId: 'autoAssignHost',
        summary: 'Run the rules for one host',
        permission: 'hosts:write',
        writes: true,
        responses: { '200': ok("the outcome, with each rule's verdict", 'AutoAssignResult') },
        errors: [404],
      }),
    },
    '/api/v1/settings': {
      get: op({ operationId: 'getSettings', summary: 'Settings', permission: 'read', responses: { '200': ok('settings', 'Settings') } }),
      patch: op({
        operationId: 'changeSettings',
        summary: 'Change settings',
        permission: 'hosts:write',
        writes: true,
        body: 'Settings',
        responses: { '200': ok('settings', 'Settings') },
      }),
    },
  },
};
