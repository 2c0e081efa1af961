// The schemas more than one area uses, and the security schemes. Request bodies are the very objects
// ajv enforces (src/schemas/*.ts), their `$id` dropped: OpenAPI names them by component name.
import type { JsonSchema } from '../json-schema.js';
import { errorSchema } from '../assignment.js';
import { factsSchema } from '../facts.js';

/** An ajv schema as a component: the same object, without the `$id` ajv keys it by. */
export function component(schema: JsonSchema): JsonSchema {
  const { $id: _id, ...rest } = schema;
  return rest;
}

/** A create schema as a replace (PUT …/{name}) takes it: the body may leave the name out, the URL's
 *  is used (given, it must be the URL's: src/http/profiles.ts sameName). */
export function nameOptional(schema: JsonSchema): JsonSchema {
  const c = component(schema);
  return { ...c, required: (c.required as readonly string[]).filter((n) => n !== 'name') };
}

const DATE_TIME = { type: 'string', format: 'date-time' } as const;
export const dateTime = DATE_TIME;

/** The fields of an assignment or profile as answers show them (every action's, each optional but
 *  action): the request schemas are stricter, one per action. */
export const actionFields = {
  action: { enum: ['kickstart', 'kexec', 'stage', 'reboot'] },
  template: { type: 'string' },
  params: { type: 'object', description: 'kickstart params; secret ones show as "***"' },
  kernel: { type: 'string' },
  initrd: { type: 'string' },
  append: { type: 'string' },
  kernel_sha256: { type: 'string' },
  kernel_size: { type: 'integer' },
  initrd_sha256: { type: 'string' },
  initrd_size: { type: 'integer' },
  stage_disk: { type: 'string' },
} as const;

export const sharedSchemas: Record<string, JsonSchema> = {
  Error: {
    ...component(errorSchema),
    description: 'Every error a client can cause (src/errors.ts): code, message, and the field at fault when there is one',
  },
  Facts: component(factsSchema),
};

export const securitySchemes = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description:
      'KICKSTAND_ADMIN_TOKEN or a personal API token (POST /api/v1/me/tokens); the role of its user decides what it may do. The web session cookie is not accepted by the API.',
  },
  hostToken: {
    type: 'http',
    scheme: 'bearer',
    description: "The host's token returned by POST /api/v1/discovery (or a claim token during an identity conflict)",
  },
} as const;
