// The hosts table's `where` filter: the rule language (src/rules/expression.ts), evaluated against what
// the host record holds in memory — its identity and facts summary — never against the facts files.
// Reading 10,000 facts files per request would cost seconds; the summary is already in the hot
// document. So a table filter names only these fields (the same names rules use where they mean the
// same thing: memory_mib, cpu.cores, dmi.vendor…); a name the summary does not hold (nics, disks,
// cpu.flags) is refused with a message naming it, at its position. docs/web.md#the-filter-language.
import { AppError } from '../errors.js';
import type { Facts } from '../discovery/facts.js';
import { compare, evaluate } from '../rules/evaluate.js';
import { compileExpression, ExpressionError, type Expr } from '../rules/expression.js';
import type { FactType } from '../rules/fact-types.js';
import type { Host } from './host.js';
import { hostTags } from '../tags/tag.js';

const str: FactType = { kind: 'string' };
const num: FactType = { kind: 'number' };
const bool: FactType = { kind: 'boolean' };

/** Every field a table filter may name, with its type (checked before anything runs). */
export const FILTER_TYPES: FactType = {
  kind: 'object',
  fields: {
    id: str,
    state: str,
    hostname: str,
    boot_mac: str,
    macs: { kind: 'list', of: str },
    ip: str,
    profile: str,
    rule: str,
    conflict: bool,
    power: str,
    first_seen: str,
    last_seen: str,
    arch: str,
    installer: str,
    memory_mib: num,
    disk_count: num,
    disk_total_bytes: num,
    nic_count: num,
    cpu: { kind: 'object', fields: { model: str, cores: num } },
    dmi: { kind: 'object', fields: { vendor: str, product: str, serial: str, uuid: str } },
    firmware: { kind: 'object', fields: { type: str } },
    kexec: { kind: 'object', fields: { available: bool } },
    bmc: { kind: 'object', fields: { ip: str } },
    tags: { kind: 'list', of: str },
    gpu_count: num,
    lldp: { kind: 'object', fields: { switch: str, port: str } },
    // The expected-host record the host took (its id), and whether records it matched wait for a person.
    expected: str,
    expected_ambiguous: bool,
  },
};

/** The names a filter may use, dotted, for messages and docs. */
export const FILTER_FIELDS: string[] = flatten(FILTER_TYPES, '');

function flatten(t: FactType, prefix: string): string[] {
  if (t.kind !== 'object') return [prefix];
  return Object.entries(t.fields).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
}

export interface FilterPosition {
  line: number;
  column: number;
}

/** Compile a table filter; a parse, type or unknown-field error is a VALIDATION error on `where`
 *  carrying the line and column. */
export function compileFilter(text: string): Expr {
  try {
    return memoizeRegexes(compileExpression(text, FILTER_TYPES));
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    const unknown = /^unknown fact "([^"]+)"/.exec(err.message);
    const bare = err.line ? err.message.replace(/^line \d+, column \d+: /, '') : err.message;
    const message = unknown
      ? `unknown field "${unknown[1]}": the hosts table filters on what it keeps for every host (${FILTER_FIELDS.join(', ')}); rules can use every fact`
      : bare;
    const position = err.line ? { line: err.line, column: err.column ?? 1 } : locate(text, err.message);
    throw new AppError('VALIDATION', `where: line ${position.line}, column ${position.column}: ${message}`, 'where', { position });
  }
}

/** RE2 (linear time, safe) is slower than V8's regexes; across 10,000 hosts the same few values
 *  (vendors, models, CPU models) come up again and again, so each pattern remembers its answers for
 *  the one query it serves (a bounded number of distinct texts). */
function memoizeRegexes(expr: Expr): Expr {
  const visit = (e: Expr): Expr => {
    switch (e.kind) {
      case 'not':
        return { ...e, arg: visit(e.arg) };
      case 'logic':
        return { ...e, left: visit(e.left), right: visit(e.right) };
      case 'each':
        return e.where ? { ...e, where: visit(e.where) } : e;
      case 'compare': {
        if (!e.regex) return e;
        const regex = e.regex;
        const seen = new Map<string, boolean>();
        const found = (text: string) => {
          let hit = seen.get(text);
          if (hit === undefined) {
            hit = regex.matcher(text).find();
            if (seen.size < 10_000) seen.set(text, hit);
          }
          return hit;
        };
        // The evaluator only calls regex.matcher(text).find(), at once: one reused matcher, no
        // allocation per host.
        const matcher = { text: '', find: () => found(matcher.text) };
        const memo = {
          matcher: (text: string) => {
            matcher.text = text;
            return matcher;
          },
        };
        return { ...e, regex: memo as unknown as typeof regex };
      }
      default:
        return e;
    }
  };
  return visit(expr);
}

/** Where a type error is: the first fact path its message quotes, found in the text; else the start. */
function locate(text: string, message: string): FilterPosition {
  const quoted = /"([A-Za-z_][\w.]*)"/.exec(message)?.[1];
  let index = -1;
  if (quoted) {
    const pattern = new RegExp(`(?<![\\w.])${quoted.split('.').join('\\s*\\.\\s*')}(?![\\w])`);
    index = pattern.exec(text)?.index ?? -1;
  }
  if (index < 0) index = text.length - text.trimStart().length;
  const before = text.slice(0, index);
  return { line: before.split('\n').length, column: index - before.lastIndexOf('\n') };
}

// One view per stored host object: saves replace the object, so a changed host gets a new view.
// last_seen (and ip when it falls back to the last-seen address) change in place (touch()), so they are
// written into the view just before each evaluation; single-threaded, nothing else reads it between.
const views = new WeakMap<Readonly<Host>, Record<string, unknown>>();

/** The host as the filter sees it (undefined fields are missing: comparisons with them are false). */
export function filterView(host: Readonly<Host>): Record<string, unknown> {
  let v = views.get(host);
  if (!v) {
    const s = host.summary;
    // One object literal, so every view shares one hidden class (V8's fast properties): a field the
    // host lacks is `undefined`, which the evaluator treats exactly as missing (a comparison with it is
    // false, `has` is false, a list function sees no list).
    v = {
      id: host.id,
      state: host.state,
      hostname: host.hostname,
      boot_mac: host.boot_mac,
      macs: host.macs,
      ip: s.ip ?? host.last_seen_ip,
      profile: host.assignment?.profile,
      rule: host.assignment?.rule,
      conflict: host.conflict !== undefined,
      power: host.power?.state,
      first_seen: host.created_at,
      last_seen: host.last_seen_at,
      arch: s.arch,
      installer: s.installer,
      memory_mib: s.memory_mib ?? undefined,
      disk_count: s.disk_count,
      disk_total_bytes: s.disk_total_bytes,
      nic_count: s.nic_count,
      cpu: { model: s.cpu_model, cores: s.cpu_cores ?? undefined },
      dmi: { vendor: s.vendor, product: s.product, serial: host.serial ?? s.serial, uuid: host.uuid },
      firmware: { type: s.firmware },
      kexec: { available: s.kexec },
      bmc: { ip: s.bmc_ip },
      tags: hostTags(host),
      gpu_count: s.gpu_count,
      lldp: { switch: s.lldp_switch, port: s.lldp_port },
      expected: host.expected?.id,
      expected_ambiguous: host.expected_ambiguous !== undefined,
    };
    views.set(host, v);
  }
  return v;
}

export function matchesFilter(expr: Expr, host: Readonly<Host>): boolean {
  const v = filterView(host);
  v.last_seen = host.last_seen_at;
  if (host.summary.ip === undefined && host.last_seen_ip !== undefined) v.ip = host.last_seen_ip;
  let test = compiled.get(expr);
  if (!test) compiled.set(expr, (test = toClosure(expr) ?? ((view) => evaluate(expr, view as unknown as Facts))));
  return test(v);
}

// A filter runs over every host of the fleet per request: the tree walk of rules/evaluate.ts, fine for
// one machine at a time, is turned into nested closures once per query. Same semantics, reusing
// evaluate.ts's own comparison (test/hosts/filter-closure.test.ts checks both agree); an expression
// with a list function (any/all/count, rare in a table filter) keeps the tree walk.
type Test = (view: Record<string, unknown>) => boolean;
type Getter = (view: Record<string, unknown>) => unknown;
const compiled = new WeakMap<Expr, Test>();

function toClosure(expr: Expr): Test | undefined {
  const value = getter(expr);
  return value && ((view) => value(view) === true);
}

function getter(e: Expr): Getter | undefined {
  switch (e.kind) {
    case 'literal': {
      const v = e.value;
      return () => v;
    }
    case 'list': {
      const items = e.items.map(getter);
      if (items.some((i) => !i)) return undefined;
      return (view) => items.map((i) => i!(view));
    }
    case 'path':
      return pathGetter(e.path);
    case 'not': {
      const arg = getter(e.arg);
      return arg && ((view) => arg(view) !== true);
    }
    case 'logic': {
      const left = getter(e.left);
      const right = getter(e.right);
      if (!left || !right) return undefined;
      return e.op === 'and' ? (view) => left(view) === true && right(view) === true : (view) => left(view) === true || right(view) === true;
    }
    case 'has': {
      const get = pathGetter(e.path);
      return (view) => {
        const v = get(view);
        return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
      };
    }
    case 'compare': {
      const left = getter(e.left);
      const right = getter(e.right);
      if (!left || !right) return undefined;
      return (view) => compare(e, left(view), right(view));
    }
    case 'each':
      return undefined;
  }
}

/** Own properties only, as evaluate.ts's lookup. */
function pathGetter(path: string[]): Getter {
  return (view) => {
    let v: unknown = view;
    for (const part of path) {
      if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part)) return undefined;
      v = (v as Record<string, unknown>)[part];
    }
    return v;
  };
}
