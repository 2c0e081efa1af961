// The template sandbox: what a nunjucks expression may reach in a kickstart, a snippet, a preview, a
// profile's append line or a hostname pattern.
//
// nunjucks is no sandbox. Its compiled templates look members up with plain `obj[key]` and call any
// function they find, so `{{ range.constructor("return process")() }}` is the Function constructor and
// runs code as the service (issue 13). Filtering the source text cannot close that: keys can be built
// at run time (`{% set k = "constr" + "uctor" %}{{ range[k] }}`). So the guard sits where every lookup
// and call happens: the compiled code reaches values only through the `runtime` object it is handed
// (`runtime.memberLookup`, `runtime.contextOrFrameLookup`, `runtime.callWrap`, `runtime.makeMacro`),
// and `sandboxEnvironment()` hands the templates of one environment a guarded copy of it.
//
// Why a per-environment copy and not a patch of nunjucks' shared runtime: the web views
// (src/web/views.ts) render only our own files with our own data, and stay exactly as nunjucks makes
// them. Nothing global is modified: the copy is passed by wrapping the compiled root and block
// functions of each Template the sandboxed environment hands out (`env.getTemplate` on the instance).
//
// The rules (an allow-list, so a JavaScript feature nobody thought of stays out):
// - a member is read only when it is the value's own property (a fact, a param, an array item, a
//   string's length), or one of a few string, list and number methods below;
// - `constructor`, `__proto__`, `prototype`, `__defineGetter__` and the like are refused everywhere,
//   also as names and as own keys of JSON data (`{"__proto__": …}` in params);
// - nothing is looked up on a function (`range.call`, `caller.apply`);
// - only functions blessed here may be called: the globals (range, cycler, joiner, raw_include), the
//   macros the template defines (`caller` included), the allow-listed methods, and helpers our own code
//   puts in the context (`allowCall`). The Function constructor never is.
// - filters, tests and globals live in tables without a prototype (they are found by name outside the
//   runtime, so `{{ x | constructor }}` must not find Object);
// - a render has a budget of steps (lookups, calls, loop iterations) and `range()` a size bound, so a
//   loop cannot hold the event loop for minutes or fill the heap.
import nunjucks from 'nunjucks';
import { FORBIDDEN, NOT_AVAILABLE, forbiddenName, isObjectPrototypeName } from './sandbox-check.js';
import { compileWithPositions, positionRuntime, type FaultLog } from './positions.js';

/** Lookups, calls and loop iterations one render may make. The shipped templates make a few hundred. */
export const RENDER_STEPS = 1_000_000;
/** The longest text a render may produce. A shipped kickstart is a few KB, the stub with its %pre ~40 KB. */
export const RENDER_MAX_CHARS = 8 * 1024 * 1024;
/** The most numbers one `range()` may produce (it builds an array at once). */
export const RANGE_LIMIT = 10_000;

// Methods a template may call, by the kind of value; each must be the intrinsic (never a shadowing own
// property). None takes a size that could fill the heap (no repeat, padStart, padEnd), none mutates
// the data (no push, sort, splice: facts and params are shared objects), and none takes a regular
// expression from a string (no match, search: a catastrophic pattern would hang the service).
const STRING_METHODS = [
  'split',
  'startsWith',
  'endsWith',
  'includes',
  'indexOf',
  'lastIndexOf',
  'slice',
  'substring',
  'toLowerCase',
  'toUpperCase',
  'trim',
  'trimStart',
  'trimEnd',
  'replace',
  'replaceAll',
  'charAt',
  'at',
  'concat',
  'toString',
];
const ARRAY_METHODS = ['join', 'slice', 'indexOf', 'lastIndexOf', 'includes', 'concat', 'at', 'toString'];
const NUMBER_METHODS = ['toFixed', 'toString'];

/** Functions a template may call. A WeakSet: blessing a per-render helper keeps nothing alive. */
const callable = new WeakSet<object>();
const FunctionConstructors: readonly unknown[] = [
  Function,
  (Object.getPrototypeOf(async () => undefined) as object).constructor,
  (Object.getPrototypeOf(function* () {}) as object).constructor,
];

/** Let templates call `fn` (a helper our code puts in a render context, e.g. seq() in hostname patterns). */
export function allowCall<F extends (...args: never[]) => unknown>(fn: F): F {
  callable.add(fn);
  return fn;
}

/** Keeps the name `Error`: nunjucks prints the name before the message, and the render error people
 *  read (parseRenderError) drops exactly "Error: ". No parentheses in messages: they read as a path. */
export class SandboxError extends Error {}

const refused = (what: string) => new SandboxError(`${what} ${NOT_AVAILABLE}`);

type RenderFn = (env: unknown, context: unknown, frame: unknown, runtime: unknown, cb: unknown) => unknown;
interface Runtime {
  memberLookup(obj: unknown, key: unknown): unknown;
  contextOrFrameLookup(context: unknown, frame: unknown, name: string): unknown;
  callWrap(fn: unknown, name: string, context: unknown, args: unknown[]): unknown;
  makeMacro(argNames: unknown, kwargNames: unknown, func: unknown): (...args: unknown[]) => unknown;
  handleError(error: unknown, lineno: number, colno: number): unknown;
  fromIterator(value: unknown): unknown;
  keys(obj: unknown): string[];
}
interface CompiledTemplate {
  compiled: boolean;
  path: string;
  tmplStr?: string;
  tmplProps?: unknown;
  env: { opts: { throwOnUndefined?: boolean } };
  compile(): void;
  rootRenderFunc: RenderFn;
  blocks: Record<string, RenderFn>;
  _compile(): void;
}
type GetTemplate = (...args: unknown[]) => unknown;

const base = (nunjucks as unknown as { runtime: Runtime }).runtime;
const lib = (nunjucks as unknown as { lib: { _prettifyError(path: string, withInternals: boolean, err: unknown): Error } }).lib;

/** A guarded copy of nunjucks' runtime with its own step budget. One per environment: renders are
 *  synchronous, so one render at a time uses it. */
function guardedRuntime(): { runtime: Runtime; faults: FaultLog; enter(): void; leave(): void } {
  let steps = 0;
  let depth = 0;
  const faults: FaultLog = { fault: undefined, included_from: [] };
  const step = (n = 1) => {
    steps += n;
    if (steps > RENDER_STEPS)
      throw new SandboxError(
        `the render took more than ${RENDER_STEPS} steps of lookups, calls and loop iterations: is there a runaway loop?`,
      );
  };

  const runtime: Runtime = {
    ...base,
    // Where a render fails (positions.ts): called by the compiled code, never reachable from a template.
    ...positionRuntime(faults),
    memberLookup(obj, key) {
      step();
      if (obj === undefined || obj === null) return undefined;
      if (typeof key !== 'string' && typeof key !== 'number') throw refused(`a key of type ${typeof key}`);
      const name = String(key);
      if (FORBIDDEN.has(name)) throw refused(`"${name}"`);
      if (typeof obj === 'function') throw refused(`looking up "${name}" on a function`);
      const boxed = Object(obj) as Record<string, unknown>;
      if (Object.hasOwn(boxed, name)) {
        const value = boxed[name];
        // An own function (a cycler's next(), a macro of an imported template) keeps its `this`, as
        // nunjucks does; only blessed ones may then be called.
        return typeof value === 'function' && callable.has(value)
          ? allowCall((...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(obj, args))
          : value;
      }
      const method = allowedMethod(obj, name);
      if (method) return allowCall((...args: unknown[]) => method.apply(obj, args));
      if (!(name in boxed)) return undefined; // missing: undefined, as nunjucks does (throwOnUndefined reports it)
      throw refused(`"${name}"`);
    },
    contextOrFrameLookup(context, frame, name) {
      step();
      if (FORBIDDEN.has(name)) throw refused(`"${name}"`);
      const value = base.contextOrFrameLookup(context, frame, name);
      // The context is a plain object: a name like `toString` or `hasOwnProperty` would otherwise
      // resolve to Object.prototype's.
      if (isObjectPrototypeName(name) && value === (Object.prototype as Record<string, unknown>)[name]) throw refused(`"${name}"`);
      return value;
    },
    callWrap(fn, name, context, args) {
      step();
      if (typeof fn === 'function' && (FunctionConstructors.includes(fn) || !callable.has(fn))) throw refused(`calling ${name}()`);
      return base.callWrap(fn, name, context, args);
    },
    // nunjucks places an error that carries no position (ours, a filter's, "Unable to call") at the
    // 0-based line of the nearest call, and line 1 reads as no line at all; its undefined-value error
    // carries its own 1-based position and is left as it is. Count from 1 like an editor does.
    handleError(error, lineno, colno) {
      return base.handleError(error, lineno + 1, colno + 1);
    },
    makeMacro(argNames, kwargNames, func) {
      return allowCall(base.makeMacro(argNames, kwargNames, func));
    },
    // A {% for %} over one variable counts up to the value's `length` with no other runtime call: a
    // string, a list, or a dict literal such as {"length": 1e12}. Charge the whole loop up front.
    fromIterator(value) {
      const out = base.fromIterator(value);
      const length = (out as { length?: unknown } | null | undefined)?.length;
      if (typeof length === 'number') step(Number.isNaN(length) ? 0 : length);
      return out;
    },
    keys(obj) {
      const out = base.keys(obj);
      step(out.length);
      return out;
    },
  };
  return {
    runtime,
    faults,
    enter() {
      if (depth++ === 0) {
        steps = 0;
        faults.fault = undefined;
        faults.included_from = [];
      }
    },
    leave() {
      depth--;
    },
  };
}

function allowedMethod(obj: unknown, name: string): ((...args: unknown[]) => unknown) | undefined {
  const [proto, names] =
    typeof obj === 'string' || obj instanceof String
      ? [String.prototype, STRING_METHODS]
      : Array.isArray(obj)
        ? [Array.prototype, ARRAY_METHODS]
        : typeof obj === 'number'
          ? [Number.prototype, NUMBER_METHODS]
          : [undefined, []];
  if (!proto || !names.includes(name)) return undefined;
  const intrinsic = (proto as unknown as Record<string, unknown>)[name];
  return (obj as Record<string, unknown>)[name] === intrinsic ? (intrinsic as (...args: unknown[]) => unknown) : undefined;
}

/** Make every template `env` hands out render with the guarded runtime, and replace nunjucks' globals
 *  with bounded, blessed ones. Call it after the environment's own globals are added: they are blessed
 *  here. */
export function sandboxEnvironment(env: nunjucks.Environment): nunjucks.Environment {
  const guard = guardedRuntime();
  // Filters, tests and globals are looked up by name in plain objects, outside the runtime: with
  // Object.prototype behind them, `{{ x | __defineGetter__(…) }}` or `{% if x is constructor %}` would
  // find its methods. Without a prototype, such a name is simply not found.
  const tables = env as unknown as Record<'globals' | 'filters' | 'tests', Record<string, unknown>>;
  tables.filters = Object.assign(Object.create(null) as Record<string, unknown>, tables.filters);
  tables.tests = Object.assign(Object.create(null) as Record<string, unknown>, tables.tests);
  tables.globals = Object.assign(Object.create(null) as Record<string, unknown>, tables.globals, safeGlobals());
  for (const value of Object.values(tables.globals)) if (typeof value === 'function') callable.add(value);

  const getTemplate = (env as unknown as { getTemplate: GetTemplate }).getTemplate.bind(env);
  // getTemplate's last argument, when a function, is its callback (the form compiled code and render() use).
  // The template is compiled here, so a compile error (a refused name, a syntax error in a snippet)
  // reaches the includer through this callback. Left to Template.render, an included template's compile
  // error is called back on a later tick, after the synchronous render has already returned.
  (env as unknown as { getTemplate: GetTemplate }).getTemplate = (...args: unknown[]) => {
    const cb = args.at(-1);
    if (typeof cb === 'function') {
      args[args.length - 1] = (err: unknown, tmpl: unknown) => {
        if (err || !tmpl) return (cb as (e: unknown, t: unknown) => unknown)(err, tmpl);
        const guarded = guardTemplate(tmpl as CompiledTemplate, guard);
        try {
          guarded.compile();
        } catch (e) {
          return (cb as (e: unknown) => unknown)(lib._prettifyError(guarded.path, false, e));
        }
        return (cb as (e: unknown, t: unknown) => unknown)(null, guarded);
      };
      return getTemplate(...args);
    }
    const tmpl = getTemplate(...args);
    return tmpl ? guardTemplate(tmpl as CompiledTemplate, guard) : tmpl;
  };
  sandboxed.set(env, guard);
  return env;
}

const sandboxed = new WeakMap<nunjucks.Environment, ReturnType<typeof guardedRuntime>>();
const guardedTemplates = new WeakSet<object>();

/** Where the last render in `env` failed, as its compiled code recorded it (positions.ts). Read it
 *  right after the render threw: the next render starts a new log. */
export function renderFaults(env: nunjucks.Environment): FaultLog | undefined {
  return sandboxed.get(env)?.faults;
}

/** A template compiled directly (`nunjucks.compile(source, env)`) rather than through getTemplate. */
export function sandboxTemplate(tmpl: nunjucks.Template, env: nunjucks.Environment): nunjucks.Template {
  const guard = sandboxed.get(env);
  if (!guard) throw new Error('sandboxTemplate: the environment is not sandboxed');
  return guardTemplate(tmpl as unknown as CompiledTemplate, guard) as unknown as nunjucks.Template;
}

/** Compiling is lazy (and cached per loader), so hook the compile of a template not compiled yet. */
function guardTemplate(tmpl: CompiledTemplate, guard: ReturnType<typeof guardedRuntime>): CompiledTemplate {
  if (guardedTemplates.has(tmpl)) return tmpl;
  guardedTemplates.add(tmpl);
  const bind = () => {
    const wrap =
      (fn: RenderFn): RenderFn =>
      (env, context, frame, _runtime, cb) => {
        guard.enter();
        try {
          return fn(env, context, frame, guard.runtime, cb);
        } finally {
          guard.leave();
        }
      };
    tmpl.rootRenderFunc = wrap(tmpl.rootRenderFunc);
    for (const name of Object.keys(tmpl.blocks)) tmpl.blocks[name] = wrap(tmpl.blocks[name]!);
  };
  if (tmpl.compiled) bind();
  else {
    const compile = tmpl._compile.bind(tmpl);
    tmpl._compile = () => {
      // A name no template may use is refused at its exact line before anything runs.
      const found = tmpl.tmplStr === undefined ? undefined : forbiddenName(tmpl.tmplStr);
      if (found) throw new nunjucks.lib.TemplateError(found.message, found.line, found.column);
      // Compiled with each expression's place known at run time; nunjucks' _compile takes it as is.
      if (tmpl.tmplStr !== undefined && !tmpl.tmplProps) {
        // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the step nunjucks' own _compile takes, on our compiler's output
        const props = new Function(compileWithPositions(tmpl.tmplStr, tmpl.path, tmpl.env.opts)) as () => unknown;
        tmpl.tmplProps = props();
      }
      compile();
      bind();
    };
  }
  return tmpl;
}

/** nunjucks' range(), cycler() and joiner() (same behaviour), bounded and with what they return
 *  made callable. Written here rather than wrapped: nunjucks does not export its globals. */
function safeGlobals(): Record<string, unknown> {
  return {
    range(start: unknown, stop?: unknown, step?: unknown): number[] {
      const [from, to, by] =
        stop === undefined
          ? [0, Number(start), 1]
          : [Number(start), Number(stop), step === undefined || Number(step) === 0 ? 1 : Number(step)];
      if (![from, to, by].every(Number.isFinite)) throw new SandboxError('range() takes numbers');
      const count = Math.ceil((to - from) / by);
      if (count > RANGE_LIMIT) throw new SandboxError(`range() is limited to ${RANGE_LIMIT} numbers`);
      const out: number[] = [];
      for (let i = 0; i < count; i++) out.push(from + i * by);
      return out;
    },
    cycler(...items: unknown[]) {
      let index = -1;
      const c = {
        current: null as unknown,
        reset: allowCall(() => {
          index = -1;
          c.current = null;
        }),
        next: allowCall(() => {
          index = index + 1 >= items.length ? 0 : index + 1;
          c.current = items[index];
          return c.current;
        }),
      };
      return c;
    },
    joiner(sep?: unknown) {
      const separator = sep || ',';
      let first = true;
      return allowCall(() => {
        const out = first ? '' : separator;
        first = false;
        return out;
      });
    },
  };
}
