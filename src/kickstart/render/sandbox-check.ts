// The sandbox's compile-time half: names a template can never use, found in the parsed text so a save
// or a preview is refused at the exact line and column. It only gives a better error earlier: the
// run-time guard (sandbox.ts) is what holds, since a key can be built at run time
// (`{% set k = "constr" + "uctor" %}{{ range[k] }}`), and nunjucks gives run-time errors only the line
// of the nearest call.
import nunjucks from 'nunjucks';

// Names that lead from a value to its class, its prototype or the engine's accessors. (`call`, `apply`,
// `bind`, `caller` need no entry: nothing at all is looked up on a function, and `caller` is the name
// of a {% call %} block's body.)
export const FORBIDDEN = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

/** Names a plain object inherits (`toString`, `hasOwnProperty`…): never a template variable. */
export const isObjectPrototypeName = (name: string): boolean => Object.hasOwn(Object.prototype, name);

export const NOT_AVAILABLE = 'is not available in templates: a template reaches its data, its macros and the documented helpers only';

export interface SandboxFinding {
  line: number;
  column: number;
  message: string;
}

interface Node {
  typename: string;
  value?: unknown;
  lineno?: number;
  colno?: number;
  fields?: string[];
  [k: string]: unknown;
}

/** The first forbidden name in `source`, or undefined (also when it does not parse: the compile says why). */
export function forbiddenName(source: string): SandboxFinding | undefined {
  let root: Node;
  try {
    root = (nunjucks as unknown as { parser: { parse(src: string): Node } }).parser.parse(source);
  } catch {
    return undefined;
  }
  return walk(root);
}

function walk(node: Node): SandboxFinding | undefined {
  const at = (n: Node, message: string): SandboxFinding => ({ line: (n.lineno ?? 0) + 1, column: (n.colno ?? 0) + 1, message });
  if (node.typename === 'Symbol' && typeof node.value === 'string' && (FORBIDDEN.has(node.value) || isObjectPrototypeName(node.value))) {
    return at(node, `"${node.value}" ${NOT_AVAILABLE}`);
  }
  if (node.typename === 'LookupVal') {
    const key = node.val as Node;
    if (key.typename === 'Literal' && FORBIDDEN.has(String(key.value))) {
      return at(key, `"${String(key.value)}" ${NOT_AVAILABLE}`);
    }
  }
  for (const field of node.fields ?? []) {
    const value = node[field];
    for (const child of Array.isArray(value) ? value : [value]) {
      if (child && typeof child === 'object' && 'typename' in child) {
        const found = walk(child as Node);
        if (found) return found;
      }
    }
  }
  return undefined;
}
