// The rule expression language: what an admin types into a form to pick machines by their facts,
//   memory_mib >= 65536 and cpu.cores >= 16 and dmi.vendor ~ "Dell" and any(nics, speed_mbps >= 25000)
// jsep (a small, well-kept expression *parser* that never evaluates anything) reads the text; we turn
// its tree into our own nodes, type-check them against the facts schema when the rule is saved, and
// evaluate them with a plain tree walk (evaluate.ts): no eval, no prototype access, regexes in RE2
// (linear time), lists bounded. Grammar and examples: docs/rules.md.
import jsep from 'jsep';
import { RE2JS } from 're2js';
import type { FactType } from './fact-types.js';
import { messageOf } from '../errors.js';

export const MAX_EXPRESSION_LENGTH = 4000;
const MAX_DEPTH = 64;
const MAX_REGEX_LENGTH = 512;

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '~' | '!~' | 'like' | 'in';
export type ListFn = 'any' | 'all' | 'count';

export type Expr =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'list'; items: Expr[] }
  | { kind: 'path'; path: string[] }
  | { kind: 'not'; arg: Expr }
  | { kind: 'logic'; op: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr; regex?: RE2JS }
  | { kind: 'has'; path: string[] }
  | { kind: 'each'; fn: ListFn; list: string[]; where?: Expr };

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line ? `line ${line}, column ${column}: ${message}` : message);
    this.name = 'ExpressionError';
  }
}

// jsep's operator table is global to the module; set it once to exactly our language.
jsep.removeAllBinaryOps();
jsep.removeAllUnaryOps();
jsep.removeLiteral('this');
for (const [op, precedence] of [
  ['or', 1],
  ['and', 2],
  ['==', 6],
  ['!=', 6],
  ['<', 7],
  ['<=', 7],
  ['>', 7],
  ['>=', 7],
  ['~', 7],
  ['!~', 7],
  ['like', 7],
  ['in', 7],
] as const) {
  jsep.addBinaryOp(op, precedence);
}
jsep.addUnaryOp('not');

const FORBIDDEN_NAMES = new Set(['__proto__', 'prototype', 'constructor']);

/** Parse and type-check. Throws ExpressionError naming the line and column (parse errors) or the
 *  fact path (type errors). */
export function compileExpression(text: string, facts: FactType): Expr {
  if (text.length > MAX_EXPRESSION_LENGTH) throw new ExpressionError(`expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  if (!text.trim()) throw new ExpressionError('expression is empty');
  let tree: jsep.Expression;
  try {
    tree = jsep(text);
  } catch (err) {
    const e = err as { index?: number; description?: string; message: string };
    const { line, column } = position(text, e.index ?? 0);
    throw new ExpressionError(e.description ?? e.message, line, column);
  }
  const expr = convert(tree, text, 0);
  const type = check(expr, [facts]);
  if (type.kind !== 'boolean') throw new ExpressionError(`the expression must be true or false, not a ${describe(type)}`);
  return expr;
}

function position(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

function convert(node: jsep.Expression, text: string, depth: number): Expr {
  if (depth > MAX_DEPTH) throw new ExpressionError(`expression is nested deeper than ${MAX_DEPTH} levels`);
  const sub = (n: unknown) => convert(n as jsep.Expression, text, depth + 1);
  switch (node.type) {
    case 'Literal': {
      const value = (node as jsep.Literal).value;
      if (typeof value === 'number' && !Number.isFinite(value)) throw new ExpressionError('number out of range');
      if (value instanceof RegExp) throw new ExpressionError('write regular expressions as strings: name ~ "pattern"');
      return { kind: 'literal', value };
    }
    case 'ArrayExpression':
      return {
        kind: 'list',
        items: (node as jsep.ArrayExpression).elements.map((e) => {
          if (!e) throw new ExpressionError('empty item in list');
          return sub(e);
        }),
      };
    case 'Identifier':
    case 'MemberExpression':
      return { kind: 'path', path: pathOf(node) };
    case 'UnaryExpression':
      return { kind: 'not', arg: sub((node as jsep.UnaryExpression).argument) };
    case 'BinaryExpression': {
      const b = node as jsep.BinaryExpression;
      const op = b.operator;
      if (op === 'and' || op === 'or') return { kind: 'logic', op, left: sub(b.left), right: sub(b.right) };
      const cmp: Expr = { kind: 'compare', op: op as CompareOp, left: sub(b.left), right: sub(b.right) };
      if (op === '~' || op === '!~') cmp.regex = compileRegex(cmp.right);
      if (op === 'like') cmp.regex = compileGlob(cmp.right);
      return cmp;
    }
    case 'CallExpression': {
      const c = node as jsep.CallExpression;
      const fn = c.callee.type === 'Identifier' ? (c.callee as jsep.Identifier).name : '';
      const args = c.arguments;
      if (fn === 'has') {
        if (args.length !== 1) throw new ExpressionError('has() takes one fact path: has(dmi.serial)');
        return { kind: 'has', path: pathOf(args[0]!) };
      }
      if (fn === 'any' || fn === 'all' || fn === 'count') {
        if (args.length < 1 || args.length > 2 || (fn !== 'count' && args.length !== 2)) {
          throw new ExpressionError(`${fn}() takes a list and a condition: ${fn}(nics, speed_mbps >= 25000)`);
        }
        return { kind: 'each', fn, list: pathOf(args[0]!), ...(args[1] ? { where: sub(args[1]) } : {}) };
      }
      throw new ExpressionError(`unknown function "${fn || '?'}" (known: any, all, count, has)`);
    }
    case 'Compound':
      throw new ExpressionError('one expression only: join conditions with "and" / "or"');
    default:
      throw new ExpressionError(`unsupported syntax (${node.type})`);
  }
}

function pathOf(node: jsep.Expression): string[] {
  if (node.type === 'Identifier') return [checkName((node as jsep.Identifier).name)];
  if (node.type === 'MemberExpression') {
    const m = node as jsep.MemberExpression;
    const base = pathOf(m.object);
    if (!m.computed && m.property.type === 'Identifier') return [...base, checkName((m.property as jsep.Identifier).name)];
    if (m.computed && m.property.type === 'Literal' && Number.isInteger((m.property as jsep.Literal).value)) {
      return [...base, String((m.property as jsep.Literal).value)];
    }
    throw new ExpressionError('index lists with a whole number: nics[0].mac');
  }
  throw new ExpressionError('expected a fact path such as cpu.cores');
}

function checkName(name: string): string {
  if (FORBIDDEN_NAMES.has(name)) throw new ExpressionError(`"${name}" is not a fact`);
  return name;
}

function literalString(e: Expr, what: string): string {
  if (e.kind !== 'literal' || typeof e.value !== 'string') throw new ExpressionError(`the right side of ${what} must be a quoted string`);
  if (e.value.length > MAX_REGEX_LENGTH) throw new ExpressionError(`pattern is longer than ${MAX_REGEX_LENGTH} characters`);
  return e.value;
}

function compileRegex(e: Expr): RE2JS {
  const source = literalString(e, '~');
  try {
    return RE2JS.compile(source);
  } catch (err) {
    throw new ExpressionError(`invalid regular expression "${source}": ${messageOf(err)}`);
  }
}

/** Glob: `*` any run, `?` one character, everything else literal; whole string, any case. */
function compileGlob(e: Expr): RE2JS {
  const glob = literalString(e, 'like');
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- per code point on purpose: RE2JS.quote keeps a surrogate pair whole
  const body = [...glob].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : RE2JS.quote(ch))).join('');
  return RE2JS.compile(`^(?:${body})$`, RE2JS.CASE_INSENSITIVE | RE2JS.DOTALL);
}

// ---- type checking --------------------------------------------------------------------------

/** Resolve a path against the scopes, innermost first (inside any(nics, …) names are NIC fields). */
export function resolveType(path: string[], scopes: FactType[]): FactType | undefined {
  for (let i = scopes.length - 1; i >= 0; i--) {
    let t: FactType | undefined = scopes[i];
    for (const part of path) {
      if (!t) break;
      if (t.kind === 'object') t = Object.hasOwn(t.fields, part) ? t.fields[part] : t.open ? { kind: 'any' } : undefined;
      else if (t.kind === 'list' && /^\d+$/.test(part)) t = t.of;
      else t = undefined;
    }
    if (t) return t;
  }
  return undefined;
}

function pathType(path: string[], scopes: FactType[]): FactType {
  const t = resolveType(path, scopes);
  if (!t) throw new ExpressionError(`unknown fact "${path.join('.')}"${suggest(path, scopes)}`);
  return t;
}

function suggest(path: string[], scopes: FactType[]): string {
  const parent = path.length > 1 ? resolveType(path.slice(0, -1), scopes) : scopes[scopes.length - 1];
  if (parent?.kind !== 'object') return '';
  const last = path[path.length - 1]!;
  const near = Object.keys(parent.fields).filter((k) => k.startsWith(last.slice(0, 3)) || last.startsWith(k.slice(0, 3)));
  return near.length
    ? ` (known here: ${near.slice(0, 5).join(', ')})`
    : ` (known here: ${Object.keys(parent.fields).slice(0, 8).join(', ')}…)`;
}

function describe(t: FactType): string {
  return t.kind === 'list' ? `list of ${describe(t.of)}` : t.kind;
}

const BOOL: FactType = { kind: 'boolean' };

function check(e: Expr, scopes: FactType[]): FactType {
  switch (e.kind) {
    case 'literal':
      return e.value === null ? { kind: 'null' } : { kind: typeof e.value as 'string' | 'number' | 'boolean' };
    case 'list': {
      const types = e.items.map((i) => check(i, scopes));
      const first = types[0];
      if (e.items.some((i) => i.kind !== 'literal')) throw new ExpressionError('list items must be literal values: ["a", "b"]');
      if (first && types.some((t) => t.kind !== first.kind)) throw new ExpressionError('list items must all be of one type');
      return { kind: 'list', of: first ?? { kind: 'any' } };
    }
    case 'path':
      return pathType(e.path, scopes);
    case 'not':
      expectBool(check(e.arg, scopes), '"not"');
      return BOOL;
    case 'logic':
      expectBool(check(e.left, scopes), `"${e.op}"`);
      expectBool(check(e.right, scopes), `"${e.op}"`);
      return BOOL;
    case 'has':
      pathType(e.path, scopes);
      return BOOL;
    case 'each': {
      const list = pathType(e.list, scopes);
      if (list.kind !== 'list' && list.kind !== 'any')
        throw new ExpressionError(`${e.fn}() needs a list, but "${e.list.join('.')}" is a ${describe(list)}`);
      if (e.where) {
        const element = list.kind === 'list' ? list.of : { kind: 'any' as const };
        const inner = element.kind === 'object' ? [...scopes, element] : [...scopes, { kind: 'object' as const, fields: { it: element } }];
        expectBool(check(e.where, inner), `${e.fn}()`);
      }
      return e.fn === 'count' ? { kind: 'number' } : BOOL;
    }
    case 'compare':
      return checkCompare(e, scopes);
  }
}

function expectBool(t: FactType, where: string): void {
  if (t.kind !== 'boolean' && t.kind !== 'any') throw new ExpressionError(`${where} needs true/false conditions, not a ${describe(t)}`);
}

function checkCompare(e: Extract<Expr, { kind: 'compare' }>, scopes: FactType[]): FactType {
  const left = check(e.left, scopes);
  const right = check(e.right, scopes);
  const name = e.left.kind === 'path' ? `"${e.left.path.join('.')}"` : 'the left side';
  const scalar = (t: FactType) => t.kind !== 'list' && t.kind !== 'object';
  switch (e.op) {
    case '~':
    case '!~':
    case 'like':
      if (left.kind !== 'string' && left.kind !== 'any')
        throw new ExpressionError(`${e.op} matches text, but ${name} is a ${describe(left)}`);
      return BOOL;
    case 'in':
      if (right.kind === 'list') {
        if (!scalar(left)) throw new ExpressionError(`"in" looks for one value, but ${name} is a ${describe(left)}`);
        if (!compatible(left, right.of))
          throw new ExpressionError(`${name} is a ${describe(left)} but the list holds ${describe(right.of)}s`);
        return BOOL;
      }
      if (right.kind === 'any') return BOOL;
      throw new ExpressionError('the right side of "in" must be a list: arch in ["x86_64", "aarch64"] or "vmx" in cpu.flags');
    case '<':
    case '<=':
    case '>':
    case '>=':
      if (!(['number', 'string', 'any'] as string[]).includes(left.kind) || !compatible(left, right)) {
        throw new ExpressionError(
          `${e.op} compares numbers (or texts), but ${name} is a ${describe(left)} and the other side a ${describe(right)}`,
        );
      }
      return BOOL;
    default:
      if (!scalar(left) || !scalar(right)) throw new ExpressionError(`${e.op} compares single values, but ${name} is a ${describe(left)}`);
      if (right.kind !== 'null' && left.kind !== 'null' && !compatible(left, right)) {
        throw new ExpressionError(`${name} is a ${describe(left)} and cannot equal a ${describe(right)}`);
      }
      return BOOL;
  }
}

function compatible(a: FactType, b: FactType): boolean {
  return a.kind === 'any' || b.kind === 'any' || a.kind === b.kind;
}
