// lowdb's adapter for kickstand.json, in place of lowdb's JSONFile: the same file format (JSON, two-space
// indent, written to a temp file and renamed), but a file that does not parse is reported with its line,
// column and byte offset, and a failed write removes its temp file and names the file and errno
// (steno, under JSONFile, leaves a partial temp file behind on a full disk and retries a refused rename
// for a second).
import { readFile } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import { dotTemp, writeFileAtomic } from './disk-write.js';
import { messageOf, errnoOf } from '../../errors.js';

export class DocumentCorrupt extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly offset: number,
    cause: string,
  ) {
    super(`${file}: line ${line}, column ${column} (byte offset ${offset}) is not valid JSON: ${cause}`);
    this.name = 'DocumentCorrupt';
  }
}

export class DocumentFile<T> implements Adapter<T> {
  constructor(readonly file: string) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf-8');
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return null;
      throw err;
    }
    return parseDocument<T>(this.file, text);
  }

  write(data: T): Promise<void> {
    return writeFileAtomic(this.file, JSON.stringify(data, null, 2), dotTemp(this.file));
  }
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T is the caller's document type; its own checks follow
export function parseDocument<T>(file: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    const at = jsonError(text, err);
    throw new DocumentCorrupt(file, at.line, at.column, at.offset, at.cause);
  }
}

/** Where and why JSON.parse refused `text`: line, column, byte offset, and V8's reason without the
 *  copy of the input some of its messages carry. */
export function jsonError(text: string, err: unknown): { line: number; column: number; offset: number; cause: string } {
  const at = jsonErrorOffset(text, messageOf(err));
  const before = text.slice(0, at);
  const cause = messageOf(err)
    .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')
    .replace(/ at position \d+.*$/s, '')
    .replace(/ in JSON$/, '');
  return {
    line: before.split('\n').length,
    column: at - before.lastIndexOf('\n'),
    offset: Buffer.byteLength(before),
    cause: at >= text.length ? `${cause} (the file ends too early)` : cause,
  };
}

/** Where JSON.parse gave up on `text` (known not to parse), in UTF-16 units, from the parser itself:
 *  V8 names the position in most messages, and "Unexpected end" is the end. "Unexpected token" names
 *  none, so ask V8 again about prefixes: every prefix shorter than the fault only ends too early, every
 *  longer one holds the fault; the shortest of those ends at it. Only runs once a parse has failed. */
export function jsonErrorOffset(text: string, message = parseFailure(text) ?? ''): number {
  const known = positionIn(message, text.length);
  if (known !== undefined) return known;
  let short = 0; // a prefix this long only ends too early (or parses)
  let faulty = text.length; // a prefix this long holds the fault
  while (faulty - short > 1) {
    const mid = (short + faulty) >>> 1;
    const failure = parseFailure(text.slice(0, mid));
    if (failure === undefined || positionIn(failure, mid) === mid) short = mid;
    else faulty = mid;
  }
  return faulty - 1;
}

/** The position a V8 JSON.parse message gives (the end for "Unexpected end"), if it gives one. */
function positionIn(message: string, length: number): number | undefined {
  if (message.startsWith('Unexpected end')) return length;
  const at = / at position (\d+)/.exec(message);
  return at ? Math.min(Number(at[1]), length) : undefined;
}

function parseFailure(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    return messageOf(err);
  }
}
