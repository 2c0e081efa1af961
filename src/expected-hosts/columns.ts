// The CSV columns of an expected-host list, and how a row becomes the same object a JSON list holds
// (ExpectedHostInput), so one validator checks both. Each field of that object remembers its column,
// so an error names "line 7, column 3 (serial)" where JSON would say "[5].match.serial".
import { MATCH_KEYS } from './expected-host.js';

export const CSV_COLUMNS = [
  ...MATCH_KEYS,
  'hostname',
  'profile',
  'params',
  'tags',
  'bmc_driver',
  'bmc_address',
  'bmc_port',
  'bmc_credentials',
  'provision',
] as const;

/** `param.NAME`: one profile param per column, its value a string (the `params` column takes JSON). */
export const PARAM_COLUMN = /^param\.(.+)$/;

/** Where a field of the input object comes from: its column's name and 1-based number. */
export interface ColumnRef {
  name: string;
  number: number;
}

export interface HeaderProblem {
  column: ColumnRef;
  message: string;
}

/** Params one record may have (validate.ts checks it per row). */
export const MAX_PARAMS = 200;
/** Columns a header may have: every column once and a param.NAME column per param. */
export const MAX_COLUMNS = CSV_COLUMNS.length + MAX_PARAMS;

/** The header's problems: unknown or repeated columns. A header wider than any good one is one problem,
 *  before any column is looked at (an 8 MiB `a,a,a,…` would be 4 million). */
export function checkHeader(header: readonly string[]): HeaderProblem[] {
  if (header.length > MAX_COLUMNS)
    return [
      {
        column: { name: header[MAX_COLUMNS]!.trim(), number: MAX_COLUMNS + 1 },
        message: `the header has ${header.length} columns, at most ${MAX_COLUMNS} (${CSV_COLUMNS.length} columns and ${MAX_PARAMS} param.NAME)`,
      },
    ];
  const problems: HeaderProblem[] = [];
  const seen = new Set<string>();
  header.forEach((raw, i) => {
    const name = raw.trim();
    const column = { name, number: i + 1 };
    if (!(CSV_COLUMNS as readonly string[]).includes(name) && !PARAM_COLUMN.test(name)) {
      problems.push({ column, message: `unknown column "${name}" (columns: ${CSV_COLUMNS.join(', ')}, param.NAME)` });
    } else if (seen.has(name)) problems.push({ column, message: `column "${name}" is given twice` });
    seen.add(name);
  });
  return problems;
}

/** A row as the JSON shape, every value still a string, and the column each field path came from.
 *  Empty cells are left out. The `params` JSON cell and the tag list are decoded by the validator. */
/** The record field a column sets: `match.serial`, `bmc` (every bmc_ column), `params` (and param.NAME), `hostname`. */
export function fieldOfColumn(name: string): string {
  if (PARAM_COLUMN.test(name)) return 'params';
  if (name.startsWith('bmc_')) return 'bmc';
  return (MATCH_KEYS as readonly string[]).includes(name) ? `match.${name}` : name;
}

export interface CsvInput {
  input: Record<string, unknown>;
  /** The param.NAME cells, by NAME. */
  paramCells: Record<string, string>;
  columns: Map<string, ColumnRef>;
}

export function rowToInput(header: readonly string[], cells: readonly string[]): CsvInput {
  const input: Record<string, unknown> = {};
  const match: Record<string, string> = {};
  const bmc: Record<string, string> = {};
  const params: Record<string, string> = {};
  const columns = new Map<string, ColumnRef>();
  header.forEach((raw, i) => {
    const name = raw.trim();
    const column = { name, number: i + 1 };
    const value = (cells[i] ?? '').trim();
    const param = PARAM_COLUMN.exec(name);
    if (param) {
      columns.set(`params.${param[1]!}`, column);
      if (value) Object.defineProperty(params, param[1]!, { value, enumerable: true, writable: true, configurable: true });
      return;
    }
    const path = name.startsWith('bmc_')
      ? `bmc.${name.slice(4)}`
      : (MATCH_KEYS as readonly string[]).includes(name)
        ? `match.${name}`
        : name;
    columns.set(path, column);
    if (!value) return;
    if (path.startsWith('bmc.')) bmc[path.slice(4)] = value;
    else if (path.startsWith('match.')) match[path.slice(6)] = value;
    else input[name] = value;
  });
  input.match = match;
  if (Object.keys(bmc).length) input.bmc = bmc;
  return { input, paramCells: params, columns };
}
