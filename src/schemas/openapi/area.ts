// The shape every part of the OpenAPI document has: one ApiArea per file (hosts.ts, profiles.ts…),
// each with its tag, its paths and the schemas only it uses. document.ts joins them; a new area
// (webhooks, metrics) is one more file and one more line in AREAS there.
import type { JsonSchema } from '../json-schema.js';

export type Method = 'get' | 'put' | 'post' | 'patch' | 'delete' | 'head';

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface Response {
  description: string;
  headers?: Record<string, { description?: string; schema: JsonSchema }>;
  content?: Record<string, { schema?: JsonSchema }>;
}

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** [] for the open routes: said explicitly, so "no security" is never an omission. */
  security: Record<string, string[]>[];
  /** The admin API's role check (src/auth/roles.ts): which permission the route's guard asks for. */
  'x-kickstand-permission'?: string;
  parameters?: Parameter[];
  requestBody?: { required: boolean; description?: string; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, Response>;
}

export type PathItem = { parameters?: Parameter[] } & Partial<Record<Method, Operation>>;

export interface ApiArea {
  tag: { name: string; description: string };
  /** OpenAPI paths (`/api/v1/hosts/{id}`): express's `:id` and `*name` are written `{id}`, `{name}`. */
  paths: Record<string, PathItem>;
  /** Component schemas this area adds (names are global: document.ts refuses a name given twice). */
  schemas?: Record<string, JsonSchema>;
}
