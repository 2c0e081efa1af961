// Small builders the area files share, so each operation reads as what it is: who may call it, what
// it takes and what it answers — and the answers every route of a kind shares (401 without a token,
// 413/415 on a JSON body, 503 when a write cannot be stored) are added in one place, not forgotten.
import type { JsonSchema } from '../json-schema.js';
import type { Operation, Parameter, Response } from './area.js';

export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

export const json = (schema: JsonSchema | string): Record<string, { schema: JsonSchema }> => ({
  'application/json': { schema: typeof schema === 'string' ? ref(schema) : schema },
});

/** A 2xx with a JSON body. */
export const ok = (description: string, schema: JsonSchema | string): Response => ({ description, content: json(schema) });

/** A 2xx with a text body (kickstarts, logs, boot scripts). */
export const text = (description: string, contentType = 'text/plain'): Response => ({
  description,
  content: { [contentType]: { schema: { type: 'string' } } },
});

export const noContent: Response = { description: 'done; no body' };

// What each error status means across the API; the `code` in the body (src/errors.ts, docs/api.md
// "Errors") says which case it is.
const ERROR_MEANING: Record<number, string> = {
  400: 'the request is invalid: BAD_JSON, VALIDATION or a domain code (field names the culprit)',
  401: 'UNAUTHORIZED: missing or invalid bearer token',
  403: "FORBIDDEN: the caller's role may not do this",
  404: "not found: NOT_FOUND or the entity's own code (HOST_NOT_FOUND, PROFILE_NOT_FOUND…)",
  409: 'conflict with the current state: NAME_TAKEN, INVALID_TRANSITION, HOSTNAME_TAKEN, …',
  413: "BODY_TOO_LARGE: the body is over the route's limit",
  415: 'UNSUPPORTED_MEDIA_TYPE: the body must be application/json',
  429: 'RATE_LIMITED: too many requests from this client; Retry-After says when to try again',
  503: 'STORAGE_UNAVAILABLE: the store refused the write or read; retry',
};

/** The error body for each status, with a description saying what it means here when it is specific. */
export function errors(...codes: (number | [number, string])[]): Record<string, Response> {
  return Object.fromEntries(
    codes.map((c) => {
      const [status, description] = Array.isArray(c) ? c : [c, ERROR_MEANING[c] ?? 'error'];
      return [String(status), { description, content: json('Error') }];
    }),
  );
}

export const pathParam = (name: string, description: string, schema: JsonSchema = { type: 'string' }): Parameter => ({
  name,
  in: 'path',
  required: true,
  description,
  schema,
});

export const query = (name: string, description: string, schema: JsonSchema = { type: 'string' }): Parameter => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});

/** The permission an admin API route checks (src/auth/roles.ts) and the roles that hold it. */
export type Permission =
  'read' | 'hosts:write' | 'templates:write' | 'users:write' | 'webhooks:read' | 'webhooks:write' | 'power:write' | 'signed-in';
const HOLDERS: Record<Permission, string> = {
  read: 'any role (viewer, author, operator, admin)',
  'signed-in': 'any caller with a valid token',
  'hosts:write': 'hosts:write (operator, admin)',
  'templates:write': 'templates:write (author, admin)',
  'users:write': 'users:write (admin)',
  'webhooks:read': 'webhooks:read (operator, admin; operators see URLs cut to their origin)',
  'webhooks:write': 'webhooks:write (admin)',
  'power:write': 'power:write (operator, admin)',
};

export const BEARER = [{ bearer: [] }];
export const HOST_TOKEN = [{ hostToken: [] }];
export const OPEN: Record<string, string[]>[] = [];

interface ApiOperation {
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  permission: Permission;
  parameters?: Parameter[];
  /** A JSON request body (a schema or a component name); adds 400, 413 and 415. */
  body?: JsonSchema | string;
  bodyRequired?: boolean;
  /** The success answers. */
  responses: Record<string, Response>;
  /** Error statuses beyond those added here (401 always; 403 unless any role may; 400/413/415 with a
   *  body; 503 when the route writes). */
  errors?: (number | [number, string])[];
  /** It changes something: the store may refuse the write (503). */
  writes?: boolean;
}

/** An operation of the admin API: bearer token (KICKSTAND_ADMIN_TOKEN or a personal API token; the web
 *  session cookie is not accepted here), with its role check. */
export function apiOperation(o: ApiOperation): Operation {
  const extra: (number | [number, string])[] = [401];
  if (o.permission !== 'read' && o.permission !== 'signed-in') extra.push(403);
  if (o.body !== undefined) extra.push(400, 413, 415);
  if (o.writes) extra.push(503);
  const codes = [...extra, ...(o.errors ?? [])];
  const unique = new Map(codes.map((c) => [Array.isArray(c) ? c[0] : c, c]));
  return {
    operationId: o.operationId,
    summary: o.summary,
    description: [o.description, `Needs ${HOLDERS[o.permission]}.`].filter(Boolean).join('\n\n'),
    tags: [o.tag],
    security: BEARER,
    'x-kickstand-permission': o.permission,
    ...(o.parameters ? { parameters: o.parameters } : {}),
    ...(o.body !== undefined ? { requestBody: { required: o.bodyRequired ?? true, content: json(o.body) } } : {}),
    responses: { ...o.responses, ...errors(...[...unique.values()].sort((a, b) => status(a) - status(b))) },
  };
}

/** apiOperation with the area's tag filled in: `const op = operationsOf('Hosts')`. */
export function operationsOf(tag: string): (o: Omit<ApiOperation, 'tag'>) => Operation {
  return (o) => apiOperation({ tag, ...o });
}

const status = (c: number | [number, string]) => (Array.isArray(c) ? c[0] : c);
