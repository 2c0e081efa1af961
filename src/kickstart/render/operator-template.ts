// Operator-written templates: hostname patterns (`web-{{ seq(3) }}.example.com`) and kexec append
// lines (`url={{ params.preseed }} hostname={{ host.hostname }}`).
//
// They use nunjucks syntax, but operators are not template authors, and nunjucks is no sandbox
// (`{{ range.constructor("…")() }}` runs code). So the text is parsed and every node checked against a
// short allow-list before it is ever rendered: text, lookups by name, a few filters, and the helpers
// seq() and rand_hex(). Anything else is refused when the profile or rule is saved.
import { randomBytes } from 'node:crypto';
import nunjucks from 'nunjucks';
import { messageOf } from '../../errors.js';
import { allowCall, sandboxEnvironment, sandboxTemplate } from './sandbox.js';

export class PatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatternError';
  }
}

export interface PatternContext {
  host: { id: string; boot_mac: string; serial?: string; hostname?: string | null };
  facts: unknown;
  params?: Record<string, unknown>;
}

/** What an operator template sees of a host: never its token, events or assignment. */
export function patternHost(host: { id: string; boot_mac: string; hostname?: string; serial?: string }): PatternContext['host'] {
  return { id: host.id, boot_mac: host.boot_mac, hostname: host.hostname ?? null, ...(host.serial ? { serial: host.serial } : {}) };
}

export interface PatternHelpers {
  /** The rule's next sequence number, zero-padded to `width` (seq(3) → "007"). */
  seq(width: number): string;
}

const ROOTS = new Set(['host', 'facts', 'params']);
const FUNCTIONS = new Set(['seq', 'rand_hex']);
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });
const FILTERS: Record<string, (...args: never[]) => unknown> = {
  lower: (s: unknown) => String(s).toLowerCase(),
  upper: (s: unknown) => String(s).toUpperCase(),
  trim: (s: unknown) => String(s).trim(),
  /** Anything that is not a letter or digit becomes one dash; no dash at either end. */
  slug: (s: unknown) =>
    String(s)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, ''),
  /** Keep the last `n` characters (serial numbers are most unique at the end). */
  last: (s: unknown, n: unknown) => String(s).slice(-Math.max(0, Math.min(Number(n), 63))),
  first: (s: unknown, n: unknown) => String(s).slice(0, Math.max(0, Math.min(Number(n), 63))),
  replace: (s: unknown, from: unknown, to: unknown) => String(s).split(String(from)).join(String(to)),
  default: (s: unknown, d: string) => (s === undefined || s === null || s === '' ? d : s),
};
for (const [name, fn] of Object.entries(FILTERS)) env.addFilter(name, fn as (...args: unknown[]) => unknown);
// The allow-list below is checked at save; the sandbox (sandbox.ts) guards the render too,
// so a gap in one is not a way out.
sandboxEnvironment(env);

interface Node {
  typename: string;
  value?: unknown;
  fields?: string[];
  [k: string]: unknown;
}

export class OperatorTemplate {
  private constructor(
    readonly source: string,
    private readonly template: nunjucks.Template,
    readonly usesSeq: boolean,
  ) {}

  static compile(source: string, maxLength = 512): OperatorTemplate {
    if (source.length > maxLength) throw new PatternError(`longer than ${maxLength} characters`);
    let root: Node;
    try {
      root = (nunjucks as unknown as { parser: { parse(src: string): Node } }).parser.parse(source);
    } catch (err) {
      throw new PatternError(`does not parse: ${messageOf(err).replace(/^\(unknown path\)\s*/, '')}`);
    }
    const seen = { seq: false };
    allow(root, seen);
    return new OperatorTemplate(source, sandboxTemplate(nunjucks.compile(source, env), env), seen.seq);
  }

  /** Render; throws PatternError with the reason. `seq` is only called when the text uses seq(). */
  render(ctx: PatternContext, helpers: PatternHelpers): string {
    try {
      return this.template.render({
        ...ctx,
        seq: allowCall((width: unknown) => helpers.seq(clamp(width, 1, 12, 1))),
        rand_hex: allowCall((n: unknown) => {
          const len = clamp(n, 1, 32, 6);
          return randomBytes(Math.ceil(len / 2))
            .toString('hex')
            .slice(0, len);
        }),
      });
    } catch (err) {
      const msg = messageOf(err).split('\n').at(-1)?.trim() ?? String(err);
      throw new PatternError(`does not render: ${msg.replace(/^Error: /, '')}`);
    }
  }
}

function clamp(value: unknown, min: number, max: number, fallback: number): number {
  const n = Math.trunc(Number(value));
  return Number.isFinite(n) && n > 0 ? Math.max(min, Math.min(n, max)) : fallback;
}

function allow(node: Node, seen: { seq: boolean }): void {
  const children = (n: Node): Node[] =>
    (n.fields ?? []).flatMap((f) => {
      const c = n[f];
      if (Array.isArray(c)) return c as Node[];
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it (TS2322 without): the narrowed `object & Record<'typename', unknown>` is not a Node
      return c && typeof c === 'object' && 'typename' in c ? [c as Node] : [];
    });
  switch (node.typename) {
    case 'Root':
    case 'NodeList':
    case 'Output':
    case 'TemplateData':
    case 'Literal':
      break;
    case 'Symbol':
      if (!ROOTS.has(String(node.value)))
        throw new PatternError(`unknown name "${String(node.value)}" (use host, facts, params, seq(), rand_hex())`);
      break;
    case 'LookupVal': {
      const key = node.val as Node;
      if (key.typename !== 'Literal' || FORBIDDEN.has(String(key.value)))
        throw new PatternError('look facts up by name: facts.dmi.serial or facts.nics[0].mac');
      allow(node.target as Node, seen);
      return;
    }
    case 'Filter': {
      const name = String((node.name as Node).value);
      if (!Object.hasOwn(FILTERS, name)) throw new PatternError(`unknown filter "${name}" (known: ${Object.keys(FILTERS).join(', ')})`);
      for (const arg of children(node.args as Node)) allow(arg, seen);
      return;
    }
    case 'FunCall': {
      const callee = node.name as Node;
      if (callee.typename !== 'Symbol' || !FUNCTIONS.has(String(callee.value)))
        throw new PatternError('the only functions are seq(width) and rand_hex(length)');
      if (callee.value === 'seq') seen.seq = true;
      for (const arg of children(node.args as Node))
        if (arg.typename !== 'Literal') throw new PatternError(`${String(callee.value)}() takes a number`);
      return;
    }
    default:
      throw new PatternError(
        `"${node.typename}" is not allowed in a hostname pattern (only text, {{ facts… }}, filters, seq(), rand_hex())`,
      );
  }
  for (const child of children(node)) allow(child, seen);
}
