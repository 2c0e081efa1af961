// The admin API over template files: list, read, save, history, rollback, preview (docs/templates.md).
// Names are paths below the templates folder ("snippets/network.njk"): the routes take the rest of the
// URL as the name, so {name} may hold "/".
import { templatePreviewSchema, templateRollbackSchema, templateSaveSchema } from '../templates.js';
import type { ApiArea } from './area.js';
import { ok, pathParam, ref, operationsOf } from './build.js';
import { component, dateTime } from './components.js';

const TAG = 'Templates';
const name = pathParam('name', 'the template\'s path below the templates folder; may hold "/" (snippets/network.njk)');
const op = operationsOf(TAG);

const versionProperties = {
  name: { type: 'string' },
  version: { type: 'integer', minimum: 1 },
  sha256: { type: 'string' },
  author: { type: 'string', description: '"disk" for the file as found before its first save through Kickstand' },
  at: dateTime,
  action: { enum: ['save', 'rollback', 'import', 'create'] },
  message: { type: 'string' },
  restored: { type: 'integer', description: 'for a rollback: the version whose text it restored' },
} as const;
const versionRequired = ['name', 'version', 'sha256', 'author', 'at', 'action'];

export const templates: ApiArea = {
  tag: { name: TAG, description: 'Kickstart templates and snippets: every save a version, rollback, preview with lint.' },
  schemas: {
    TemplateSave: component(templateSaveSchema),
    TemplateRollback: component(templateRollbackSchema),
    TemplatePreview: component(templatePreviewSchema),
    TemplateVersionMeta: { type: 'object', additionalProperties: false, required: versionRequired, properties: versionProperties },
    TemplateVersion: {
      type: 'object',
      additionalProperties: false,
      required: [...versionRequired, 'content', 'diff'],
      properties: {
        ...versionProperties,
        content: { type: 'string' },
        diff: { type: 'string', description: 'unified diff against the version before' },
      },
    },
    TemplateList: {
      type: 'object',
      additionalProperties: false,
      required: ['templates'],
      properties: {
        templates: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: { name: { type: 'string' }, latest: ref('TemplateVersionMeta') },
          },
        },
      },
    },
    Template: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'content', 'versions', 'sha256'],
      properties: {
        name: { type: 'string' },
        content: { type: 'string', description: 'the text in service' },
        versions: { type: 'array', items: ref('TemplateVersionMeta') },
        current: { type: 'integer', description: 'the version the text in service is, when it is one recorded here' },
        sha256: { type: 'string', description: 'sha256 of the text in service: what a save sends back as base_sha256' },
      },
    },
    TemplateSaved: {
      type: 'object',
      additionalProperties: false,
      required: ['version', 'changed'],
      properties: {
        version: ref('TemplateVersionMeta'),
        changed: { type: 'boolean', description: 'false when the text was already in service' },
      },
    },
    TemplatePreviewResult: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'target', 'findings'],
      properties: {
        name: { type: 'string' },
        target: { type: 'string', description: '"host <id>" or "sample <name>"' },
        version: { type: 'string', description: 'the kickstart syntax version it was checked against' },
        rendered: { type: 'string' },
        findings: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['in', 'line', 'severity', 'code', 'message'],
            properties: {
              in: { enum: ['template', 'rendered'] },
              line: { type: 'integer' },
              column: { type: 'integer' },
              severity: { enum: ['error', 'warning'] },
              code: { type: 'string' },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  },
  paths: {
    '/api/v1/templates': {
      get: op({
        operationId: 'listTemplates',
        summary: 'Every editable template file, with its newest version',
        permission: 'read',
        responses: { '200': ok('templates', 'TemplateList') },
        errors: [503],
      }),
    },
    '/api/v1/templates/{name}': {
      parameters: [name],
      get: op({
        operationId: 'getTemplate',
        summary: 'A template: the text in service, its sha256 and its versions',
        permission: 'read',
        responses: { '200': ok('the template', 'Template') },
        errors: [[400, 'VALIDATION: not a template name'], 404, 503],
      }),
      put: op({
        operationId: 'saveTemplate',
        summary: 'Save: refused with the line when it does not compile',
        permission: 'templates:write',
        writes: true,
        body: 'TemplateSave',
        responses: { '200': ok('saved (or unchanged: changed false)', 'TemplateSaved'), '201': ok('a new file, created', 'TemplateSaved') },
        errors: [
          [400, 'VALIDATION, BAD_JSON, or TEMPLATE_SYNTAX with the line; nothing was written'],
          [409, 'TEMPLATE_CHANGED: changed since base_sha256'],
        ],
      }),
    },
    '/api/v1/templates/{name}/versions/{version}': {
      parameters: [name, pathParam('version', 'the version number', { type: 'string', pattern: '^[0-9]+$' })],
      get: op({
        operationId: 'getTemplateVersion',
        summary: 'One version with its text and its diff from the version before',
        permission: 'read',
        responses: { '200': ok('the version', 'TemplateVersion') },
        errors: [[404, 'TEMPLATE_VERSION_NOT_FOUND'], 503],
      }),
    },
    '/api/v1/templates/{name}/rollback': {
      parameters: [name],
      post: op({
        operationId: 'rollbackTemplate',
        summary: 'Put an earlier version back in service, as a new version',
        permission: 'templates:write',
        writes: true,
        body: 'TemplateRollback',
        responses: { '200': ok('rolled back', 'TemplateSaved') },
        errors: [
          [404, 'TEMPLATE_VERSION_NOT_FOUND'],
          [409, 'TEMPLATE_CHANGED: changed since base_sha256'],
        ],
      }),
    },
    '/api/v1/templates/{name}/preview': {
      parameters: [name],
      post: op({
        operationId: 'previewTemplate',
        summary: 'Render saved or unsaved text for a host or sample facts and lint it; nothing is stored but the audit entry',
        permission: 'templates:write',
        body: 'TemplatePreview',
        responses: { '200': ok('the rendered text and findings', 'TemplatePreviewResult') },
        errors: [404],
      }),
    },
  },
};
