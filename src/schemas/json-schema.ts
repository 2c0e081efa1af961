// Schemas are plain objects (`as const`) so the same value feeds ajv, the OpenAPI document and the docs.
export type JsonSchema = Readonly<Record<string, unknown>>;
