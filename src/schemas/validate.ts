// ajv (JSON Schema 2020-12), compiled once at start. A failed check becomes one AppError naming the
// first field at fault in dotted form (`nics[0].mac`), which is what a person can act on.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FromSchema } from 'json-schema-to-ts';
import type { Facts } from '../discovery/facts.js';
import type { InstallerInput } from '../installers/installer.js';
import { AppError } from '../errors.js';
import { factsSchema } from './facts.js';
import {
  actionSchema,
  kexecAssignmentSchema,
  kexecProfileSchema,
  kickstartAssignmentSchema,
  kickstartProfileSchema,
  profileAssignmentSchema,
  profileSchema,
  rebootAssignmentSchema,
  rebootProfileSchema,
  ruleSchema,
  settingsSchema,
  stageAssignmentSchema,
  stageProfileSchema,
} from './assignment.js';
import type { JsonSchema } from './json-schema.js';
import { installerListSchema, installerSchema } from './installers.js';
import { installEventSchema } from './install-events.js';
import { bootKeySchema } from './boot-key.js';
import { templatePreviewSchema, templateRollbackSchema, templateSaveSchema } from './templates.js';
import { webhookSchema } from './webhooks.js';
import { bmcCredentialSetSchema, hostBmcSchema } from './bmc.js';

const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

/** A checker of `schema` that throws AppError VALIDATION naming the first field at fault. Also used
 *  outside the API: the lines of an export (store/export/read.ts). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T is what the schema describes; the validation is the check
export function compile<T>(schema: JsonSchema): (data: unknown) => T {
  const check: ValidateFunction = ajv.compile(schema);
  return (data: unknown): T => {
    if (!check(data)) throw toAppError(check.errors?.[0]);
    return data as T;
  };
}

// The body types are derived from the schemas (json-schema-to-ts), so a field added to a schema is a
// field of its type: nothing is restated by hand. (Facts and InstallerInput keep their names in their
// own modules, derived the same way.)
export type AssignmentAction = FromSchema<typeof actionSchema>;
export type KickstartAssignmentBody = FromSchema<typeof kickstartAssignmentSchema>;
export type KexecAssignmentBody = FromSchema<typeof kexecAssignmentSchema>;
export type StageAssignmentBody = FromSchema<typeof stageAssignmentSchema>;
export type RebootAssignmentBody = FromSchema<typeof rebootAssignmentSchema>;
export type ProfileAssignmentBody = FromSchema<typeof profileAssignmentSchema>;
export type ProfileAction = FromSchema<typeof profileSchema>;
export type KickstartProfileBody = FromSchema<typeof kickstartProfileSchema>;
export type KexecProfileBody = FromSchema<typeof kexecProfileSchema>;
export type StageProfileBody = FromSchema<typeof stageProfileSchema>;
export type RebootProfileBody = FromSchema<typeof rebootProfileSchema>;
export type RuleBody = FromSchema<typeof ruleSchema>;
export type SettingsBody = FromSchema<typeof settingsSchema>;
export type InstallEventBody = FromSchema<typeof installEventSchema>;
export type BootKeyBody = FromSchema<typeof bootKeySchema>;
export type TemplateSaveBody = FromSchema<typeof templateSaveSchema>;
export type TemplateRollbackBody = FromSchema<typeof templateRollbackSchema>;
export type TemplatePreviewBody = FromSchema<typeof templatePreviewSchema>;
export type WebhookBody = FromSchema<typeof webhookSchema>;
export type HostBmcBody = FromSchema<typeof hostBmcSchema>;
export type BmcCredentialSetBody = FromSchema<typeof bmcCredentialSetSchema>;

export const validators = {
  facts: compile<Facts>(factsSchema),
  assignmentAction: compile<AssignmentAction>(actionSchema),
  kickstartAssignment: compile<KickstartAssignmentBody>(kickstartAssignmentSchema),
  kexecAssignment: compile<KexecAssignmentBody>(kexecAssignmentSchema),
  stageAssignment: compile<StageAssignmentBody>(stageAssignmentSchema),
  rebootAssignment: compile<RebootAssignmentBody>(rebootAssignmentSchema),
  profileAssignment: compile<ProfileAssignmentBody>(profileAssignmentSchema),
  profile: compile<ProfileAction>(profileSchema),
  kickstartProfile: compile<KickstartProfileBody>(kickstartProfileSchema),
  kexecProfile: compile<KexecProfileBody>(kexecProfileSchema),
  stageProfile: compile<StageProfileBody>(stageProfileSchema),
  rebootProfile: compile<RebootProfileBody>(rebootProfileSchema),
  rule: compile<RuleBody>(ruleSchema),
  settings: compile<SettingsBody>(settingsSchema),
  installer: compile<InstallerInput>(installerSchema),
  installerList: compile<InstallerInput[]>(installerListSchema),
  installEvent: compile<InstallEventBody>(installEventSchema),
  bootKey: compile<BootKeyBody>(bootKeySchema),
  templateSave: compile<TemplateSaveBody>(templateSaveSchema),
  templateRollback: compile<TemplateRollbackBody>(templateRollbackSchema),
  templatePreview: compile<TemplatePreviewBody>(templatePreviewSchema),
  webhook: compile<WebhookBody>(webhookSchema),
  hostBmc: compile<HostBmcBody>(hostBmcSchema),
  bmcCredentialSet: compile<BmcCredentialSetBody>(bmcCredentialSetSchema),
};

export function fieldPath(pointer: string, extra?: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function toAppError(err: ErrorObject | undefined): AppError {
  if (!err) return new AppError('VALIDATION', 'invalid body');
  const p = err.params as Record<string, unknown>;
  let field = fieldPath(err.instancePath);
  let message: string;
  switch (err.keyword) {
    case 'required':
      field = fieldPath(err.instancePath, String(p.missingProperty));
      message = 'is required';
      break;
    case 'additionalProperties':
      field = fieldPath(err.instancePath, String(p.additionalProperty));
      message = 'is not a known field';
      break;
    case 'pattern':
      message = 'has an invalid format';
      break;
    case 'maxLength':
      message = `must be at most ${String(p.limit)} characters`;
      break;
    case 'maxItems':
      message = `must have at most ${String(p.limit)} items`;
      break;
    case 'enum':
      message = `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'const':
      message = `must be ${JSON.stringify(p.allowedValue)}`;
      break;
    case 'propertyNames':
      field = fieldPath(err.instancePath, String(p.propertyName));
      message = 'is not an allowed key';
      break;
    default:
      message = err.message ?? 'is invalid';
  }
  return new AppError('VALIDATION', `${field || 'body'} ${message}`, field || undefined);
}
