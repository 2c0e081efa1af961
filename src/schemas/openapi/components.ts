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

const DATE_TIME = { type: 'string', format: 'date-time' } as const;
export const dateTime = DATE_TIME;

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
