// Where a render failed, in words an author can act on: `params.repo is undefined at rhel.ks.njk:9,
// included from fedora.ks.njk:13`.
//
// nunjucks alone cannot say it (issue 17): its compiled code keeps one `lineno` per template, moved
// only at function calls, so a filter that refuses an undefined value (`{{ params.repo | ksarg }}`) is
// reported at whatever call ran last ("line 3, column 86: ksarg: value is undefined"), or at no line
// at all when none ran yet; and an error raised in a snippet or an imported macro reaches the
// includer as a bare message, its file and line lost.
//
// So kickstart templates are compiled by a compiler that knows each expression's file, line and text
// when it emits it: filter calls and outputs go through `runtime.kickstandFilter` /
// `runtime.kickstandOutput`, which turn a failure into a Fault (file, line, column, expression), and a
// failed include adds its own place to the fault's `included_from`. Lookups also set the line, so a
// sandbox refusal (sandbox.ts) lands on its own line. The compiled code is nunjucks' own otherwise.
import { createRequire } from 'node:module';
import nunjucks from 'nunjucks';

/** One place in a template: its path as the loader gave it, and a 1-based line. */
export interface Place {
  template: string;
  line: number;
}

/** Why a render failed, when the compiled code knew where: set by the runtime helpers below. */
export interface Fault {
  template: string;
  line: number;
  column: number;
  /** The expression as written (`params.repo`), when the fault is about one value. */
  expression?: string;
  message: string;
  /** Outermost last: each include the fault came through. */
  included_from: Place[];
}

/** What one render records as it fails. Renders are synchronous, so one per environment. */
export interface FaultLog {
  fault: Fault | undefined;
  /** Includes an error came through even when it has no Fault (a refused name, a call of nothing). */
  included_from: Place[];
}

interface Node {
  typename: string;
  lineno: number;
  colno: number;
  value?: unknown;
  [k: string]: unknown;
}
interface Emit {
  _emit(code: string): void;
  _emitLine(code: string): void;
  compile(node: Node, frame: unknown): void;
}
interface CompilerBase extends Emit {
  templateName: string | undefined;
  throwOnUndefined: boolean;
  buffer: string;
  _tmpid(): string;
  _compileAggregate(node: unknown, frame: unknown, start?: string, end?: string): void;
  _compileExpression(node: Node, frame: unknown): void;
  _compileGetTemplate(node: Node, frame: unknown, eager: boolean, ignoreMissing: unknown): string;
  _makeCallback(res?: string): string;
  _addScopeLevel(): void;
  compileLiteral(node: Node, frame: unknown): void;
  compileSymbol(node: Node, frame: unknown): void;
  compileLookupVal(node: Node, frame: unknown): void;
  getCode(): string;
}
type CompilerClass = new (name: string | undefined, throwOnUndefined: boolean) => CompilerBase;

const require = createRequire(import.meta.url);
// Not exported by nunjucks' index, but part of its compile step (super() in blocks, async filters).
const transformer = require('nunjucks/src/transformer.js') as { transform(ast: unknown, asyncFilters: string[], name?: string): Node };
const internals = nunjucks as unknown as {
  compiler: { Compiler: CompilerClass };
  parser: { parse(src: string, extensions: unknown[], opts: object): Node };
  nodes: { TemplateData: new (...a: unknown[]) => unknown };
};

const Base = internals.compiler.Compiler;

/** nunjucks' compiler, with each expression's place and text known at run time. */
class PositionedCompiler extends Base {
  private where(node: Node, expression?: string): string {
    return JSON.stringify([this.templateName ?? 'unknown', node.lineno, node.colno, expression ?? '']);
  }

  compileFilter(node: Node, frame: unknown): void {
    const name = node.name as Node;
    const args = (node.args as { children: Node[] }).children;
    this._emit(`runtime.kickstandFilter(${this.where(node, args[0] ? expressionText(args[0]) : '')}, ${JSON.stringify(name.value)}, `);
    this._emit(`env.getFilter(${JSON.stringify(name.value)}), context, [`);
    this._compileAggregate(node.args, frame);
    this._emit('])');
  }

  compileOutput(node: Node, frame: unknown): void {
    for (const child of node.children as Node[]) {
      if (child instanceof internals.nodes.TemplateData) {
        if (child.value) {
          this._emit(`${this.buffer} += `);
          this.compileLiteral(child, frame);
          this._emitLine(';');
        }
        continue;
      }
      this._emit(`${this.buffer} += runtime.suppressValue(`);
      if (this.throwOnUndefined) this._emit(`runtime.kickstandOutput(${this.where(node, expressionText(child))}, `);
      this.compile(child, frame);
      if (this.throwOnUndefined) this._emit(')');
      this._emit(', env.opts.autoescape);\n');
    }
  }

  override compileLookupVal(node: Node, frame: unknown): void {
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, `);
    super.compileLookupVal(node, frame);
    this._emit(')');
  }

  override compileSymbol(node: Node, frame: unknown): void {
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, `);
    super.compileSymbol(node, frame);
    this._emit(')');
  }

  /** nunjucks' include, except that a failure of the included template names this include. */
  compileInclude(node: Node, frame: unknown): void {
    this._emitLine('var tasks = [];');
    this._emitLine('tasks.push(');
    this._emitLine('function(callback) {');
    const id = this._compileGetTemplate(node, frame, false, node.ignoreMissing);
    this._emitLine(`callback(null,${id});});`);
    this._emitLine('});');
    const id2 = this._tmpid();
    const err = this._tmpid();
    const done = this._tmpid();
    // In a synchronous render, an error thrown after this include succeeded unwinds through its
    // callback a second time: it happened further on, not in the included template.
    this._emitLine(`var ${done} = false;`);
    this._emitLine('tasks.push(');
    this._emitLine('function(template, callback){');
    this._emitLine(`template.render(context.getVariables(), frame, function(${err}, ${id2}) {`);
    this._emitLine(`if(${err}) { cb(${done} ? ${err} : runtime.kickstandIncluded(${err}, ${this.where(node)})); return; }`);
    this._emitLine(`${done} = true;`);
    this._emitLine(`callback(null,${id2});});`);
    this._emitLine('});');
    this._emitLine('tasks.push(');
    this._emitLine('function(result, callback){');
    this._emitLine(`${this.buffer} += result;`);
    this._emitLine('callback(null);');
    this._emitLine('});');
    this._emitLine('env.waterfall(tasks, function(){');
    this._addScopeLevel();
  }
}

/** The JavaScript of `source` compiled with places (what nunjucks' Template._compile would build). */
export function compileWithPositions(source: string, name: string | undefined, opts: { throwOnUndefined?: boolean }): string {
  const compiler = new PositionedCompiler(name, !!opts.throwOnUndefined);
  compiler.compile(transformer.transform(internals.parser.parse(source, [], opts), [], name), undefined);
  return compiler.getCode();
}

/** An expression as the author wrote it, near enough to find it: `params.repo`, `facts.nics[0].mac`. */
export function expressionText(node: Node): string {
  switch (node.typename) {
    case 'Symbol':
      return String(node.value);
    case 'Literal':
      return typeof node.value === 'string' ? JSON.stringify(node.value) : String(node.value);
    case 'LookupVal': {
      const target = expressionText(node.target as Node);
      const key = node.val as Node;
      if (key.typename === 'Literal' && typeof key.value === 'string' && /^[A-Za-z_]\w*$/.test(key.value)) return `${target}.${key.value}`;
      return `${target}[${expressionText(key)}]`;
    }
    case 'FunCall':
      return `${expressionText(node.name as Node)}(…)`;
    case 'Filter': {
      const args = (node.args as { children: Node[] }).children;
      return `${args[0] ? expressionText(args[0]) : ''} | ${String((node.name as Node).value)}`;
    }
    case 'Group':
      return `(${(node.children as Node[]).map(expressionText).join(', ')})`;
    case 'Or':
    case 'And':
      return `${expressionText(node.left as Node)} ${node.typename.toLowerCase()} ${expressionText(node.right as Node)}`;
    default:
      return 'the value';
  }
}

type Where = [template: string, lineno: number, colno: number, expression: string];
type TemplateErrorClass = new (message: string, lineno: number, colno: number) => Error;
const TemplateError = (nunjucks as unknown as { lib: { TemplateError: TemplateErrorClass } }).lib.TemplateError;

const missing = (v: unknown) => v === undefined || v === null;

/** The helpers the compiled code above calls, for a guarded runtime (sandbox.ts) to carry. They record
 *  the fault in `log` and throw an error nunjucks passes on unchanged (it has a line). */
export function positionRuntime(log: FaultLog) {
  const fail = (where: Where, message: string, expression?: string): Error => {
    const [template, lineno, colno] = where;
    log.fault = { template, line: lineno + 1, column: colno + 1, ...(expression ? { expression } : {}), message, included_from: [] };
    return new TemplateError(message, lineno + 1, colno + 1);
  };
  return {
    kickstandFilter(where: Where, name: string, filter: (...args: unknown[]) => unknown, context: unknown, args: unknown[]): unknown {
      try {
        return filter.apply(context, args);
      } catch (err) {
        if (err instanceof TemplateError && log.fault) throw err;
        const expression = where[3] || undefined;
        const reason = err instanceof Error ? err.message : String(err);
        // Whatever a filter says about an undefined value, the cause is the value.
        if (expression && missing(args[0])) throw fail(where, `${expression} is undefined`, expression);
        throw fail(where, expression ? `${reason}, in {{ ${expression} | ${name} }}` : reason, expression);
      }
    },
    kickstandOutput(where: Where, value: unknown): unknown {
      if (missing(value)) throw fail(where, `${where[3] || 'the value'} is undefined`, where[3] || undefined);
      return value;
    },
    kickstandIncluded(err: unknown, where: Where): unknown {
      const place = { template: where[0], line: where[1] + 1 };
      log.included_from.push(place);
      log.fault?.included_from.push(place);
      return err;
    },
  };
}
