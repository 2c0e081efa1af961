// An uploaded list, CSV or JSON, as rows for the validator: each with where it is in the file (a CSV
// line and the columns of its fields, or a JSON array index), so a problem can say where to look.
// Size caps hold before any row is checked: a body limit at the route, MAX_ROWS here.
import { checkHeader, fieldOfColumn, rowToInput, type ColumnRef } from './columns.js';
import { CsvSyntaxError, parseCsv } from './csv.js';

export type ListFormat = 'csv' | 'json';
export const LIST_FORMATS: readonly ListFormat[] = ['csv', 'json'];

/** Rows in one list, header not counted. */
export const MAX_ROWS = 20_000;
/** Bytes in one upload: 20,000 rows of a full packing list fit with room to spare. */
export const MAX_LIST_BYTES = 8 * 1024 * 1024;

export interface ListRow {
  /** CSV: the line the row starts on. */
  line?: number;
  /** JSON: the index in the array. */
  index?: number;
  input: unknown;
  paramCells: Record<string, string>;
  /** CSV: the column of each field path. */
  columns?: Map<string, ColumnRef>;
  /** The fields the row speaks of (CSV: its header's columns; JSON: the keys it has), as `hostname`,
   *  `params`, `match.serial`: an update keeps what a row leaves out and clears what it gives empty. */
  given: ReadonlySet<string>;
}

/** A problem with the file or one of its rows, said where it is. */
export interface ListProblem {
  line?: number;
  index?: number;
  /** CSV: the column's name and 1-based number. */
  column?: string;
  column_number?: number;
  /** The field path in the JSON shape (match.mac, bmc.address). */
  field?: string;
  /** Says where, then what: "line 7, column 3 (serial): …". */
  message: string;
}

/** Problems an answer lists: past them they are only counted ("and N more"). */
export const MAX_PROBLEMS = 200;

/** A list's problems as they are found: the first MAX_PROBLEMS kept, the rest counted, so a hostile
 *  list cannot fill the heap with millions of them. */
export class ProblemList {
  readonly kept: ListProblem[] = [];
  more = 0;

  push(...found: ListProblem[]): void {
    for (const p of found) {
      if (this.kept.length < MAX_PROBLEMS) this.kept.push(p);
      else this.more++;
    }
  }

  get length(): number {
    return this.kept.length + this.more;
  }
}

export type ReadResult = { rows: ListRow[]; problems: []; more?: undefined } | { rows: []; problems: ListProblem[]; more?: number };

export function readList(text: string, format: ListFormat): ReadResult {
  return format === 'csv' ? readCsv(text) : readJson(text);
}

function readCsv(text: string): ReadResult {
  let parsed;
  try {
    parsed = parseCsv(text, MAX_ROWS + 1);
  } catch (err) {
    if (err instanceof CsvSyntaxError) return { rows: [], problems: [{ line: err.line, message: err.message }] };
    throw err;
  }
  const [head, ...body] = parsed;
  if (!head)
    return { rows: [], problems: [{ line: 1, message: 'line 1: the file is empty; it needs a header row (boot_mac,mac,serial,…)' }] };
  const header = head.cells;
  const headerProblems = checkHeader(header);
  if (headerProblems.length)
    return {
      rows: [],
      problems: headerProblems.map((p) => ({
        line: head.line,
        column: p.column.name.slice(0, 100),
        column_number: p.column.number,
        message: cut(`line ${head.line}, column ${p.column.number} (${p.column.name}): ${p.message}`),
      })),
    };
  const given = new Set(header.map((name) => fieldOfColumn(name.trim())));
  const problems = new ProblemList();
  const rows: ListRow[] = [];
  for (const row of body) {
    if (row.cells.length !== header.length) {
      problems.push({ line: row.line, message: `line ${row.line}: has ${row.cells.length} cells, the header has ${header.length}` });
      continue;
    }
    const { input, paramCells, columns } = rowToInput(header, row.cells);
    rows.push({ line: row.line, input, paramCells, columns, given });
  }
  return problems.length ? { rows: [], problems: problems.kept, more: problems.more } : { rows, problems: [] };
}

function readJson(text: string): ReadResult {
  let list: unknown;
  try {
    list = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    return { rows: [], problems: [{ message: `the body is not valid JSON (${(err as Error).message})` }] };
  }
  if (!Array.isArray(list)) return { rows: [], problems: [{ message: 'the body must be a JSON array of expected hosts' }] };
  if (list.length > MAX_ROWS) return { rows: [], problems: [{ message: `more than ${MAX_ROWS} expected hosts; split the list` }] };
  return { rows: list.map((input: unknown, index) => ({ index, input, paramCells: {}, given: givenKeys(input) })), problems: [] };
}

function givenKeys(input: unknown): Set<string> {
  const given = new Set<string>();
  if (typeof input !== 'object' || input === null) return given;
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (key === 'match' && typeof value === 'object' && value !== null) for (const k of Object.keys(value)) given.add(`match.${k}`);
    else given.add(key);
  }
  return given;
}

// A problem echoes what the row said (a value that is not a MAC): cut, so a hostile 8 MiB cell is not
// repeated into the answer, the page's flash and the CLI's output.
const MAX_MESSAGE = 400;
const cut = (message: string) => (message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message);

/** Where `field` of `row` is, as a problem: CSV line and column (the field's own, else its parent's),
 *  or the JSON index and path. */
export function locate(row: Pick<ListRow, 'line' | 'index' | 'columns'>, field: string, message: string): ListProblem {
  if (row.line !== undefined) {
    const column = row.columns?.get(field) ?? row.columns?.get(field.split('.')[0]!);
    const at = column ? `line ${row.line}, column ${column.number} (${column.name})` : `line ${row.line}`;
    return {
      line: row.line,
      ...(column ? { column: column.name, column_number: column.number } : {}),
      ...(field ? { field } : {}),
      message: cut(`${at}: ${field && !column ? `${field} ` : ''}${message}`),
    };
  }
  const path = `[${row.index ?? 0}]${field ? `.${field}` : ''}`;
  return { index: row.index ?? 0, ...(field ? { field } : {}), message: cut(`${path}: ${message}`) };
}

/** How a row is called in a message naming two: "line 7" or "[5]". */
export function rowName(row: Pick<ListRow, 'line' | 'index'>): string {
  return row.line !== undefined ? `line ${row.line}` : `[${row.index ?? 0}]`;
}
