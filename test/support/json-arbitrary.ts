// fast-check arbitraries for JSON bodies: valid ones derived from the same JSON Schemas ajv enforces
// (src/schemas/), mutations of them (a field deleted, a type swapped, a huge string, deep nesting,
// hostile unicode, __proto__ keys, numbers JSON.parse turns into Infinity), and JSON text that no
// JavaScript value stringifies to (raw number tokens, nesting deeper than a recursive stringify goes).
import fc from 'fast-check';

type Schema = Record<string, unknown>;

/** JSON text inserted as is by stringify(): `1e309`, `-0`, 10 000 nested arrays. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify, except RawJson goes in verbatim and an own `__proto__` key is written like any other. */
export function stringify(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stringify).join(',')}]`;
  return `{${Object.keys(value)
    .map((k) => `${JSON.stringify(k)}:${stringify((value as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

export interface ValidOptions {
  /** Cap on generated list lengths and key counts (the schema's own cap still applies). */
  maxItems?: number;
  /** Cap on generated free-text string lengths. */
  maxString?: number;
}

/** Values the schema accepts (up to formats and cross-field rules no schema states). */
export function validArbitrary(schema: Schema, opts: ValidOptions = {}): fc.Arbitrary<unknown> {
  const maxItems = opts.maxItems ?? 4;
  const maxString = opts.maxString ?? 24;
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]) as (string | undefined)[];
  const arbs = types.map((type): fc.Arbitrary<unknown> => {
    switch (type) {
      case 'string':
        return stringArbitrary(schema, maxString);
      case 'integer':
        return fc.integer({ min: num(schema.minimum, -1_000_000), max: num(schema.maximum, 2 ** 40) });
      case 'number':
        return fc.double({ min: num(schema.minimum, -1e6), max: num(schema.maximum, 1e12), noNaN: true, noDefaultInfinity: true });
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array': {
        const items = validArbitrary((schema.items ?? {}) as Schema, opts);
        const min = num(schema.minItems, 0);
        return fc.array(items, { minLength: min, maxLength: Math.max(min, Math.min(num(schema.maxItems, maxItems), maxItems)) });
      }
      case 'object':
        return objectArbitrary(schema, opts);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  });
  return arbs.length === 1 ? arbs[0]! : fc.oneof(...arbs);
}

function num(v: unknown, dflt: number): number {
  return typeof v === 'number' ? v : dflt;
}

function stringArbitrary(schema: Schema, maxString: number): fc.Arbitrary<string> {
  const min = num(schema.minLength, 0);
  const max = num(schema.maxLength, Infinity);
  if (typeof schema.pattern === 'string') {
    const re = new RegExp(schema.pattern, 'u');
    // eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points on purpose: JSON Schema's maxLength counts code points
    return patternArbitrary(schema.pattern).filter((s) => re.test(s) && [...s].length >= min && [...s].length <= max);
  }
  const cap = Math.max(min, Math.min(max, maxString));
  return (
    fc
      .oneof(fc.string({ minLength: min, maxLength: cap }), fc.string({ minLength: min, maxLength: cap, unit: 'grapheme' }))
      // eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points on purpose: JSON Schema's maxLength counts code points
      .filter((s) => [...s].length <= max)
  );
}

/** fast-check cannot generate from lookaheads; dropping them over-generates, and the caller filters. */
function patternArbitrary(pattern: string): fc.Arbitrary<string> {
  try {
    return fc.stringMatching(new RegExp(pattern));
  } catch {
    return fc.stringMatching(new RegExp(pattern.replace(/\(\?[=!][^()]*\)/g, '')));
  }
}

function objectArbitrary(schema: Schema, opts: ValidOptions): fc.Arbitrary<unknown> {
  const maxItems = opts.maxItems ?? 4;
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const required = (schema.required ?? []) as string[];
  const known = fc.record(Object.fromEntries(Object.entries(props).map(([k, s]) => [k, validArbitrary(s, opts)])), {
    requiredKeys: required.filter((k) => k in props),
  });
  const extraSchema = schema.additionalProperties;
  if (extraSchema === false || Object.keys(props).length > 0) return known;
  const keyPattern = ((schema.propertyNames ?? {}) as Schema).pattern;
  const key =
    typeof keyPattern === 'string'
      ? patternArbitrary(keyPattern).filter((k) => new RegExp(keyPattern).test(k))
      : fc.string({ maxLength: 12 });
  const value =
    typeof extraSchema === 'object' && extraSchema ? validArbitrary(extraSchema as Schema, opts) : fc.jsonValue({ maxDepth: 2 });
  return fc.dictionary(key, value, { maxKeys: Math.min(num(schema.maxProperties, maxItems), maxItems) });
}

/** Every property name a schema mentions, at any depth: random JSON built from them gets past the
 *  first "unknown field" check more often than random keys do. */
export function schemaKeys(schema: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) schemaKeys(s, into);
  else if (schema && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'properties' && v && typeof v === 'object') for (const name of Object.keys(v)) into.add(name);
      schemaKeys(v, into);
    }
  }
  return into;
}

// ---------------------------------------------------------------- mutations of valid bodies

export const MUTATIONS = [
  'delete',
  'swap-type',
  'huge-string',
  'deep-nesting',
  'unicode',
  'proto-key',
  'odd-number',
  'duplicate-key',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

const OTHER_TYPES: unknown[] = [0, -1, 1.5, '', 'x', '0', 'true', 'null', true, false, null, [], {}, [1, 'a'], { a: 1 }, [[[]]]];
const ODD_NUMBERS = [
  '1e308',
  '-1e308',
  '1e309',
  '-1e309',
  '-0',
  '-0.0',
  '0e0',
  '1e-400',
  '9007199254740993',
  '-9007199254740993',
  '123456789012345678901234567890',
  '2147483648',
  '4294967296',
  '-1',
  '0.1',
  '1E2',
  '"NaN"',
  '"Infinity"',
  '"-Infinity"',
  '"1e308"',
  '"-0"',
  '"0x10"',
  '" 1"',
];
const UNICODE = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\u202e',
  '\u200b',
  '\ufeff',
  '\uffff',
  '\u2028\u2029',
  'e\u0301\u0301\u0301',
  '\u{1F4A3}',
  '\u{10FFFF}',
  'İı',
  'ß',
  '\r\n',
  '\t',
  '%00',
  '\\',
  '"',
  "'",
  '</script>',
  '${x}',
  '{{ x }}',
];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__', 'toJSON'];
const PROTO_VALUES: unknown[] = [{ polluted: true }, { prototype: { polluted: true } }, 'x', 1, null, [], { toString: 'x' }];

export interface Mutated {
  body: unknown;
  how: Mutation;
}

/** A valid body with one thing wrong, somewhere in it (the body itself, or any nested value). */
export function mutatedArbitrary(valid: fc.Arbitrary<unknown>): fc.Arbitrary<Mutated> {
  return fc
    .tuple(valid, fc.constantFrom(...MUTATIONS), fc.nat(), fc.nat(), fc.nat({ max: 3 }))
    .map(([body, how, where, pick, size]) => ({ body: mutate(structuredClone(body), how, where, pick, size), how }));
}

interface Slot {
  parent: Record<string, unknown> | unknown[] | undefined;
  key: string | number | undefined;
  value: unknown;
}

function slots(value: unknown, parent?: Slot['parent'], key?: Slot['key'], into: Slot[] = []): Slot[] {
  into.push({ parent, key, value });
  if (Array.isArray(value)) value.forEach((v, i) => slots(v, value, i, into));
  else if (value && typeof value === 'object')
    for (const k of Object.keys(value)) slots((value as Record<string, unknown>)[k], value as Record<string, unknown>, k, into);
  return into;
}

function mutate(body: unknown, how: Mutation, where: number, pick: number, size: number): unknown {
  const all = slots(body);
  const slot = all[where % all.length]!;
  const set = (v: unknown): unknown => {
    if (slot.parent === undefined) return v;
    if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = v;
    else Object.defineProperty(slot.parent, slot.key as string, { value: v, enumerable: true, writable: true, configurable: true });
    return body;
  };
  switch (how) {
    case 'delete':
      if (slot.parent === undefined) return undefined;
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
      return body;
    case 'swap-type':
      return set(OTHER_TYPES[pick % OTHER_TYPES.length]);
    case 'huge-string': {
      const n = [257, 4_097, 70_000, 300_000][size]!;
      return set((pick % 2 ? '\u{1F4A3}' : 'A').repeat(n));
    }
    case 'deep-nesting': {
      const depth = [64, 1_000, 10_000, 60_000][size]!;
      return set(new RawJson(pick % 2 ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));
    }
    case 'unicode':
      return set(`${typeof slot.value === 'string' ? slot.value : ''}${UNICODE[pick % UNICODE.length]}`);
    case 'proto-key': {
      const target =
        slot.value && typeof slot.value === 'object' && !Array.isArray(slot.value) ? (slot.value as Record<string, unknown>) : undefined;
      const obj = target ?? {};
      Object.defineProperty(obj, PROTO_KEYS[pick % PROTO_KEYS.length]!, {
        value: PROTO_VALUES[size % PROTO_VALUES.length],
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return target ? body : set(obj);
    }
    case 'odd-number':
      return set(new RawJson(ODD_NUMBERS[pick % ODD_NUMBERS.length]!));
    case 'duplicate-key': {
      // JSON.parse keeps the last of two equal keys: a validator and a consumer reading different
      // copies is a classic smuggling bug, so the copy has a different type.
      const target =
        slot.value && typeof slot.value === 'object' && !Array.isArray(slot.value) ? (slot.value as Record<string, unknown>) : undefined;
      const key = target ? Object.keys(target)[pick % Math.max(1, Object.keys(target).length)] : undefined;
      if (!target || key === undefined) return set(new RawJson('{"a":1,"a":{"b":2}}'));
      const raw = stringify(target).slice(1, -1);
      return set(new RawJson(`{${raw}${raw ? ',' : ''}${JSON.stringify(key)}:${stringify(OTHER_TYPES[size % OTHER_TYPES.length])}}`));
    }
  }
}
