// The nunjucks environment that renders kickstarts: autoescape OFF (the output is a kickstart, not
// HTML) and throwOnUndefined ON, so a missing param fails loudly at render time instead of silently
// producing `rootpw --iscrypted ` and an installer that stops to ask a person.
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import nunjucks from 'nunjucks';
import { installFilters } from './filters.js';
import { RENDER_MAX_CHARS, renderFaults, sandboxEnvironment } from './sandbox.js';
import type { Place } from './positions.js';
import { forbiddenName } from './sandbox-check.js';
import { AppError } from '../../errors.js';

// Template names are paths below the templates folder: letters, digits, `_ . - /`, no `..` segment.
const NAME = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,199}$/;

export interface RenderErrorDetail {
  /** The innermost file: where the expression is, not the template that included it. */
  template: string;
  line?: number;
  column?: number;
  message: string;
  /** The expression that failed as written (`params.repo`), when the fault is about one value. */
  expression?: string;
  /** The includes it came through, innermost first (`fedora.ks.njk` line 13). */
  included_from?: Place[];
}

/** Confines every lookup to one folder; caches sources until the folder changes on disk. */
class TemplateLoader extends nunjucks.Loader {
  readonly root: string;
  private watcher: FSWatcher | undefined;

  /** Unsaved sources that stand in for files of the same name (a preview of an edit in progress). */
  constructor(
    root: string,
    private readonly drafts: ReadonlyMap<string, string> = new Map(),
  ) {
    super();
    this.root = path.resolve(root);
  }

  invalidate(): void {
    (this as unknown as { cache: Record<string, unknown> }).cache = {};
  }

  fullPath(name: string): string | null {
    if (!NAME.test(name)) return null;
    const full = path.resolve(this.root, name);
    const rel = path.relative(this.root, full);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
    return full;
  }

  getSource(name: string): nunjucks.LoaderSource | null {
    if (this.drafts.has(name)) return { src: this.drafts.get(name)!, path: this.fullPath(name) ?? name, noCache: true };
    const full = this.fullPath(name);
    if (!full) return null;
    try {
      return { src: readFileSync(full, 'utf-8'), path: full, noCache: false };
    } catch {
      return null;
    }
  }

  /** Drop every compiled template when anything under the folder changes: snippets included by a
   *  template are cached under their own name, so a per-file invalidation would be just as correct,
   *  but editors replace files by rename and the whole cache is cheap to rebuild. */
  watch(onChange: () => void): void {
    try {
      this.watcher = watch(this.root, { recursive: true, persistent: false }, () => {
        this.invalidate();
        onChange();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // A folder that cannot be watched (missing, unsupported FS) still renders; it just never reloads.
    }
  }

  close(): void {
    this.watcher?.close();
  }
}

export interface KickstartEnvironment {
  /** Render a template; throws AppError TEMPLATE_RENDER with the template, line and column. */
  render(name: string, context: object): string;
  /** Whether `name` is a valid template name that exists in the folder. */
  exists(name: string): Promise<boolean>;
  /** Final kickstart templates authors can assign: top-level *.ks.njk, the stub excepted. */
  list(): Promise<string[]>;
  /** Render `name` as if its file held `source` (an unsaved edit): includes of other files still
   *  read the folder, and nothing is cached. Throws like render(). */
  renderDraft(name: string, source: string, context: object): string;
  /** Whether `source` compiles (syntax, and no name the sandbox refuses: undefined values and filters
   *  are found at render).
   *  Undefined when it does; otherwise where and why not. */
  check(name: string, source: string): RenderErrorDetail | undefined;
  /** Forget compiled templates now (after a save), rather than when the folder watcher fires. */
  invalidate(): void;
  /** Goes up whenever templates may have changed (a save, a change on disk): renders from an older
   *  generation may be stale. */
  generation(): number;
  /** Stop watching the folder (tests, shutdown). */
  close(): void;
}

export function createKickstartEnvironment(templatesDir: string, opts: { watch?: boolean } = {}): KickstartEnvironment {
  const loader = new TemplateLoader(templatesDir);
  const env = environmentFor(loader);
  let generation = 0;
  if (opts.watch !== false)
    loader.watch(() => {
      generation++;
    });

  return {
    render: (name, context) => renderWith(env, loader, name, context),
    renderDraft(name, source, context) {
      const draftLoader = new TemplateLoader(templatesDir, new Map([[name, source]]));
      return renderWith(environmentFor(draftLoader), draftLoader, name, context);
    },
    check(name, source) {
      try {
        new nunjucks.Template(source, env, loader.fullPath(name) ?? name, true);
        const forbidden = forbiddenName(source);
        return forbidden ? { template: name, ...forbidden } : undefined;
      } catch (err) {
        const detail = parseRenderError(name, err, loader.root);
        // nunjucks gives no line for a block left open ("expected endif, got end of file"): point at
        // the tag that opened it, which is the line the author has to fix.
        if (detail.line) return detail;
        const opener = unclosedBlock(source);
        return opener
          ? { ...detail, line: opener.line, column: opener.column, message: `{% ${opener.tag} %} is never closed (${detail.message})` }
          : detail;
      }
    },
    invalidate: () => {
      generation++;
      loader.invalidate();
    },
    generation: () => generation,
    async exists(name) {
      const full = loader.fullPath(name);
      if (!full) return false;
      return access(full).then(
        () => true,
        () => false,
      );
    },
    async list() {
      const names = await readdir(loader.root).catch(() => [] as string[]);
      return names.filter((n) => n.endsWith('.ks.njk') && n !== 'stub.ks.njk' && loader.fullPath(n)).sort();
    },
    close: () => loader.close(),
  };
}

function environmentFor(loader: TemplateLoader): nunjucks.Environment {
  const env = new nunjucks.Environment(loader as unknown as nunjucks.ILoader, {
    autoescape: false,
    throwOnUndefined: true,
    trimBlocks: true,
    lstripBlocks: true,
  });
  installFilters(env);
  // Shell libraries (the %pre) are real .sh files; `raw_include` pastes one verbatim so nunjucks
  // never reads `${#x}` or `{{` inside shell as template syntax.
  env.addGlobal('raw_include', (name: string) => {
    const src = loader.getSource(name);
    if (!src) throw new Error(`raw_include: no file "${name}" in the templates folder`);
    return src.src.replace(/\n$/, '');
  });
  // Templates, snippets and drafts reach only their data, macros and these helpers (sandbox.ts).
  return sandboxEnvironment(env);
}

function renderWith(env: nunjucks.Environment, loader: TemplateLoader, name: string, context: object): string {
  if (!loader.fullPath(name)) {
    throw new AppError('TEMPLATE_NOT_FOUND', `template "${name}" is not a valid template name`, 'template');
  }
  let text: string;
  try {
    text = env.render(name, context);
  } catch (err) {
    const detail = renderErrorDetail(env, loader, name, err);
    throw new AppError('TEMPLATE_RENDER', describeRenderError(detail), 'template', detail);
  }
  // Measured before anything reads the text: until then V8 keeps the pieces of a long concatenation
  // unflattened, so a loop that repeats a large text costs little until it is sent.
  if (text.length > RENDER_MAX_CHARS) {
    const message = `the rendered text is longer than ${RENDER_MAX_CHARS / (1024 * 1024)} MiB: is there a runaway loop?`;
    throw new AppError('TEMPLATE_RENDER', `${name}: ${message}`, 'template', { template: name, message });
  }
  return text;
}

/** The fault the compiled code recorded (positions.ts) when there is one; nunjucks' message else. */
function renderErrorDetail(env: nunjucks.Environment, loader: TemplateLoader, name: string, err: unknown): RenderErrorDetail {
  const log = renderFaults(env);
  const relative = (p: Place): Place => ({ template: templateName(loader.root, p.template, name), line: p.line });
  const fault = log?.fault;
  if (fault) {
    const { expression, included_from } = fault;
    return {
      template: templateName(loader.root, fault.template, name),
      line: fault.line,
      column: fault.column,
      message: fault.message,
      ...(expression ? { expression } : {}),
      ...(included_from.length ? { included_from: included_from.map(relative) } : {}),
    };
  }
  const detail = parseRenderError(name, err, loader.root);
  const through = (log?.included_from ?? []).map(relative).filter((p) => p.template !== detail.template);
  return through.length ? { ...detail, included_from: through } : detail;
}

/** One line for logs, the API and the host's timeline: `params.repo is undefined at rhel.ks.njk:9,
 *  included from fedora.ks.njk:13` for a value; `file line N, column C: why` for anything else. */
export function describeRenderError(detail: RenderErrorDetail): string {
  const chain = (detail.included_from ?? []).map((p) => `, included from ${p.template}:${p.line}`).join('');
  if (detail.expression && detail.line) return `${detail.message} at ${detail.template}:${detail.line}${chain}`;
  const at = detail.line ? ` line ${detail.line}${detail.column ? `, column ${detail.column}` : ''}` : '';
  return `${detail.template}${at}: ${detail.message}${chain}`;
}

function templateName(root: string, fullPath: string, fallback: string): string {
  if (!fullPath || fullPath === 'unknown') return fallback;
  return path.isAbsolute(fullPath) ? path.relative(root, fullPath) : fullPath;
}

const OPENERS = new Set(['if', 'for', 'block', 'macro', 'call', 'filter', 'raw', 'verbatim']);

/** The line of the innermost block tag that is never closed, if any. */
function unclosedBlock(source: string): { tag: string; line: number; column: number } | undefined {
  const open: { tag: string; line: number; column: number }[] = [];
  const lines = source.split('\n');
  lines.forEach((text, i) => {
    for (const m of text.matchAll(/\{%-?\s*(\w+)/g)) {
      const tag = m[1]!;
      if (OPENERS.has(tag)) open.push({ tag, line: i + 1, column: m.index + 1 });
      else if (tag === 'set' && !/\{%-?\s*set\s[^%]*=/.test(text.slice(m.index))) open.push({ tag, line: i + 1, column: m.index + 1 });
      else if (tag.startsWith('end') && open.at(-1)?.tag === tag.slice(3)) open.pop();
    }
  });
  return open.at(-1);
}

/** nunjucks reports "(a.ks.njk)\n … (snippets/x.njk) [Line 3, Column 5]\n  msg", nesting one "(path)" per
 *  include level. The innermost path with a line is where the fault is; turn that into fields people
 *  can act on. (A fault about one value never gets here: positions.ts recorded it.) */
export function parseRenderError(name: string, err: unknown, root: string): RenderErrorDetail {
  const raw = err instanceof Error ? err.message : String(err);
  if (/template not found/i.test(raw)) {
    const missing = /template not found: ([^\s)]+)/i.exec(raw)?.[1] ?? name;
    return { template: name, message: `template not found: ${missing}` };
  }
  const places = [...raw.matchAll(/\(([^()\n]+)\)(?: \[Line (\d+), Column (\d+)\])?/g)];
  const place = places.filter((m) => m[2]).at(-1) ?? places.at(-1);
  const template = place?.[1] && place[1] !== 'unknown path' ? path.relative(root, place[1]) : name;
  const line = place?.[2] ? Number(place[2]) : undefined;
  const column = place?.[3] ? Number(place[3]) : undefined;
  const lines = raw
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const message = (lines.at(-1) ?? raw)
    .replace(/^(?:Template render error: |Error: )+/, '')
    .replace(/^\([^)]*\)(?: \[Line \d+, Column \d+\])?\s*/, '');
  return { template, ...(line ? { line } : {}), ...(column ? { column } : {}), message };
}
