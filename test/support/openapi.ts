// The OpenAPI document as tests read it: its operations in the router's "METHOD /path" form, and ajv
// checks of bodies against its component and response schemas. There is no OpenAPI validator package
// here; ajv (JSON Schema 2020-12, OpenAPI 3.1's dialect) compiles the schemas, and the tests check the
// rest (references, path parameters) themselves.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../src/schemas/openapi/document.js';
import type { Operation, PathItem } from '../../src/schemas/openapi/area.js';

export const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head'] as const;

export type Doc = ReturnType<typeof openApiDocument>;

export interface DocOperation {
  key: string;
  method: string;
  path: string;
  item: PathItem;
  op: Operation;
}

export function docOperations(doc: Doc): DocOperation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ key: `${m.toUpperCase()} ${path}`, method: m, path, item, op: item[m]! })),
  );
}

/** express's `/tree/:name/*path` as OpenAPI writes it: `/tree/{name}/{path}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/** An ajv holding the document (strict: a misspelt keyword in a component fails to compile), so
 *  `#/components/schemas/X` references resolve as they do for any OpenAPI tool. */
export function documentAjv(doc: Doc): {
  ajv: Ajv2020;
  schema: (name: string) => ValidateFunction;
  check: (schema: object) => ValidateFunction;
} {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  // The document's own keys are not schema keywords; components live under one of them.
  ajv.addVocabulary(['openapi', 'info', 'tags', 'paths', 'components']);
  ajv.addSchema({ ...doc, $id: 'kickstand-openapi' });
  return {
    ajv,
    schema: (name) => ajv.compile({ $ref: `kickstand-openapi#/components/schemas/${name}` }),
    // A response schema as the document writes it (its $refs point into the document).
    check: (schema) => ajv.compile(rebase(schema) as object),
  };
}

function rebase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rebase);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `kickstand-openapi${v}` : rebase(v),
      ]),
    );
  return value;
}

/** Every `$ref` in the document, with where it is. */
export function refsOf(value: unknown, at = '#'): { at: string; ref: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => refsOf(v, `${at}/${i}`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) =>
      k === '$ref' && typeof v === 'string' ? [{ at, ref: v }] : refsOf(v, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`),
    );
  return [];
}

/** What a `#/…` pointer names in the document, or undefined. */
export function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), doc);
}
