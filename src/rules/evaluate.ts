// Evaluate a compiled rule expression against one machine's facts. A plain tree walk over plain
// JSON: own properties only, lists capped, regexes in RE2 (linear time), so a rule cannot hang the
// service or reach anything but the facts. A missing fact makes a comparison false, never an error.
import type { Facts } from '../discovery/facts.js';
import type { Expr } from './expression.js';

const MAX_LIST = 1024;
type Value = unknown;

export function evaluate(expr: Expr, facts: Facts): boolean {
  return truthy(walk(expr, [facts]));
}

function truthy(v: Value): boolean {
  return v === true;
}

function lookup(path: string[], scopes: Value[]): Value {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const head = path[0]!;
    const scope = scopes[i];
    if (scope === null || typeof scope !== 'object' || !Object.hasOwn(scope, head)) continue;
    let v: Value = scope;
    for (const part of path) {
      if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part)) return undefined;
      v = (v as Record<string, Value>)[part];
    }
    return v;
  }
  return undefined;
}

function walk(e: Expr, scopes: Value[]): Value {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'list':
      return e.items.map((i) => walk(i, scopes));
    case 'path':
      return lookup(e.path, scopes);
    case 'not':
      return !truthy(walk(e.arg, scopes));
    case 'logic':
      return e.op === 'and'
        ? truthy(walk(e.left, scopes)) && truthy(walk(e.right, scopes))
        : truthy(walk(e.left, scopes)) || truthy(walk(e.right, scopes));
    case 'has': {
      const v = lookup(e.path, scopes);
      return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
    }
    case 'each': {
      const list = lookup(e.list, scopes);
      const items = Array.isArray(list) ? list.slice(0, MAX_LIST) : [];
      const matches = (item: Value) =>
        !e.where || truthy(walk(e.where, [...scopes, item !== null && typeof item === 'object' ? item : { it: item }]));
      if (e.fn === 'any') return items.some(matches);
      if (e.fn === 'all') return items.length > 0 && items.every(matches);
      return items.filter(matches).length;
    }
    case 'compare':
      return compare(e, walk(e.left, scopes), walk(e.right, scopes));
  }
}

/** One comparison, as a rule evaluates it (exported for the hosts table's compiled filter, hosts/filter.ts). */
export function compare(e: Extract<Expr, { kind: 'compare' }>, left: Value, right: Value): boolean {
  switch (e.op) {
    case '==':
      return left === right;
    case '!=':
      return left !== undefined && left !== right;
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (!((typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string')))
        return false;
      return e.op === '<' ? left < right : e.op === '<=' ? left <= right : e.op === '>' ? left > right : left >= right;
    }
    case '~':
    case 'like':
      return typeof left === 'string' && e.regex!.matcher(left).find();
    case '!~':
      return typeof left === 'string' && !e.regex!.matcher(left).find();
    case 'in':
      return Array.isArray(right) && right.slice(0, MAX_LIST).includes(left);
  }
}
