// The types of facts, read from the facts JSON Schema itself, so a rule is checked against exactly
// what machines may send: `cpu.core` is caught as unknown, `dmi.vendor >= 3` as a type error.
import { factsSchema } from '../schemas/facts.js';

export type FactType =
  | { kind: 'number' | 'string' | 'boolean' | 'null' | 'any' }
  | { kind: 'list'; of: FactType }
  | { kind: 'object'; fields: Record<string, FactType>; open?: boolean };

interface Schema {
  type?: string | readonly string[];
  enum?: readonly unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
}

export function typeFromSchema(schema: Schema): FactType {
  if (schema.enum || schema.const !== undefined) {
    const sample = schema.enum?.[0] ?? schema.const;
    return { kind: typeof sample === 'number' ? 'number' : typeof sample === 'boolean' ? 'boolean' : 'string' };
  }
  // ["integer", "null"] is a number that may be missing: comparisons with a missing value are false.
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((t) => t && t !== 'null') as string[];
  if (types.length !== 1) return { kind: 'any' };
  switch (types[0]) {
    case 'integer':
    case 'number':
      return { kind: 'number' };
    case 'string':
      return { kind: 'string' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'array':
      return { kind: 'list', of: schema.items ? typeFromSchema(schema.items) : { kind: 'any' } };
    case 'object': {
      const fields = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, typeFromSchema(v)]));
      return { kind: 'object', fields, ...(schema.additionalProperties && !schema.properties ? { open: true } : {}) };
    }
    default:
      return { kind: 'any' };
  }
}

export const FACT_TYPES: FactType = typeFromSchema(factsSchema);
