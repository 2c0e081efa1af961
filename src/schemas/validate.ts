// ajv (JSON Schema 2020-12), compiled once at start. A failed check becomes one AppError naming the
// first field at fault in dotted form (`nics[0].mac`), which is what a person can act on.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
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
} from './assignment.js';
import type { JsonSchema } from './json-schema.js';
import { installerListSchema, installerSchema } from './installers.js';
import { installEventSchema } from './install-events.js';
import { bootKeySchema } from './boot-key.js';
import { templatePreviewSchema, templateRollbackSchema, templateSaveSchema } from './templates.js';

const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T is what the schema describes; the validation is the check
function compile<T>(schema: JsonSchema): (data: unknown) => T {
  const check: ValidateFunction = ajv.compile(schema);
  return (data: unknown): T => {
    if (!check(data)) throw toAppError(check.errors?.[0]);
    return data as T;
  };
}

export const validators = {
  facts: compile<import('../discovery/facts.js').Facts>(factsSchema),
  assignmentAction: compile<{ action: 'kickstart' | 'kexec' | 'reboot' }>(actionSchema),
  kickstartAssignment: compile<{ action: 'kickstart'; template: string; hostname?: string; params?: Record<string, unknown> }>(
    kickstartAssignmentSchema,
  ),
  kexecAssignment: compile<{ action: 'kexec'; kernel: string; initrd: string; append?: string; hostname?: string }>(
    kexecAssignmentSchema,
  ),
  rebootAssignment: compile<{ action: 'reboot'; hostname?: string }>(rebootAssignmentSchema),
  profileAssignment: compile<{ profile: string; hostname?: string; params?: Record<string, unknown> }>(profileAssignmentSchema),
  profile: compile<{ name: string; action: 'kickstart' | 'kexec' | 'reboot' }>(profileSchema),
  kickstartProfile: compile<{ name: string; description?: string; bootable?: boolean; action: 'kickstart'; template: string; params?: Record<string, unknown> }>(kickstartProfileSchema),
  kexecProfile: compile<{ name: string; description?: string; bootable?: boolean; action: 'kexec'; kernel: string; initrd: string; append?: string }>(kexecProfileSchema),
  rebootProfile: compile<{ name: string; description?: string; bootable?: boolean; action: 'reboot' }>(rebootProfileSchema),
  rule: compile<{ name: string; description?: string; expression: string; profile: string; hostname_pattern?: string; priority?: number; limit?: number; enabled?: boolean }>(ruleSchema),
  settings: compile<{ auto_provision?: boolean }>(settingsSchema),
  installer: compile<import('../installers/installer.js').InstallerInput>(installerSchema),
  installerList: compile<import('../installers/installer.js').InstallerInput[]>(installerListSchema),
  installEvent: compile<{ stage: 'installing' | 'installed' | 'failed'; message?: string; log?: string; event_id?: string }>(installEventSchema),
  bootKey: compile<{ key: string }>(bootKeySchema),
  templateSave: compile<{ content: string; base_sha256?: string; message?: string }>(templateSaveSchema),
  templateRollback: compile<{ version: number; base_sha256?: string }>(templateRollbackSchema),
  templatePreview: compile<{ content?: string; host?: string; sample?: string; profile?: string; params?: Record<string, unknown> }>(templatePreviewSchema),
};

export function fieldPath(pointer: string, extra?: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
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
