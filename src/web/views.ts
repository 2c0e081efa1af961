// The nunjucks environment for HTML pages: autoescape ON, so every fact a machine reports
// (`<script>`, `"><img onerror=…>`, `{{ 7*7 }}`) is shown as inert text. Facts are only ever *data*
// here: no page renders a string from a machine as a template.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

export const VIEWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'views');

export function createViewEnvironment(dir = VIEWS_DIR): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(dir, { noCache: false }), {
    autoescape: true,
    throwOnUndefined: false,
  });
  env.addFilter('mib', (v: unknown) => (typeof v === 'number' ? (v >= 1024 ? `${Math.round(v / 102.4) / 10} GiB` : `${v} MiB`) : '—'));
  env.addFilter('bytes', (v: unknown) => {
    if (typeof v !== 'number' || v <= 0) return '—';
    const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
    let i = 0;
    let n = v;
    while (n >= 1000 && i < units.length - 1) {
      n /= 1000;
      i++;
    }
    return `${Math.round(n * 10) / 10} ${units[i]}`;
  });
  env.addFilter('ago', (iso: unknown) => {
    if (typeof iso !== 'string') return '—';
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    return s < 60
      ? `${s}s ago`
      : s < 3600
        ? `${Math.floor(s / 60)}m ago`
        : s < 86400
          ? `${Math.floor(s / 3600)}h ago`
          : `${Math.floor(s / 86400)}d ago`;
  });
  env.addFilter('json', (v: unknown) => JSON.stringify(v, null, 2));
  env.addFilter('fact_kind', factKind);
  env.addFilter('fact_columns', factColumns);
  return env;
}

type FactKind = 'object' | 'rows' | 'list' | 'empty' | 'scalar';

/** How facts-tree.njk draws a value: an object as a branch, a list of objects (NICs, disks) as a
 *  table, a list of scalars on one line. */
function factKind(v: unknown): FactKind {
  if (v === null || v === undefined || v === '') return 'empty';
  if (Array.isArray(v)) {
    if (!v.length) return 'empty';
    return v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x)) ? 'rows' : 'list';
  }
  if (typeof v === 'object') return Object.keys(v).length ? 'object' : 'empty';
  return 'scalar';
}

/** The columns of a table of objects: every key any row has, in the order first seen. */
function factColumns(rows: unknown): string[] {
  const keys = new Set<string>();
  if (Array.isArray(rows)) for (const r of rows as unknown[]) if (r && typeof r === 'object') for (const k of Object.keys(r)) keys.add(k);
  return [...keys];
}
