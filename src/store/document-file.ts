// lowdb's adapter for kickstand.json, in place of lowdb's JSONFile: the same file format (JSON, two-space
// indent, written to a temp file and renamed), but a file that does not parse is reported with its line,
// column and byte offset, and a failed write removes its temp file and names the file and errno
// (steno, under JSONFile, leaves a partial temp file behind on a full disk and retries a refused rename
// for a second).
import { readFile } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import { dotTemp, writeFileAtomic } from './disk-write.js';

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
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
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
  const at = jsonErrorOffset(text);
  const before = text.slice(0, at);
  const cause = (err as Error).message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '').replace(/ at position \d+.*$/s, '').replace(/ in JSON$/, '');
  return {
    line: before.split('\n').length,
    column: at - before.lastIndexOf('\n'),
    offset: Buffer.byteLength(before),
    cause: at >= text.length ? `${cause} (the file ends too early)` : cause,
  };
}

/** Where JSON.parse gave up: the offset of the first character that cannot continue valid JSON.
 *  V8 gives the position for most errors but not all ("Unexpected token"), so find it ourselves;
 *  only called once parsing has failed. */
export function jsonErrorOffset(s: string): number {
  let i = 0;
  const fail = (): never => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the offset, caught by this function's own catch
    throw i;
  };
  const space = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  };
  const literal = (word: string) => {
    for (const c of word) if (s[i] === c) i++;
    else fail();
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= s.length) fail();
      const c = s.charCodeAt(i);
      if (c === 0x22) { i++; return; }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        if (s[i] === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/[0-9a-fA-F]/.test(s[i] ?? '')) fail();
          }
        } else if (!'"\\/bfnrt'.includes(s[i] ?? 'x')) fail();
      }
      i++;
    }
  };
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  const digits = () => {
    if (!isDigit(s[i])) fail();
    while (isDigit(s[i])) i++;
  };
  const number = () => {
    if (s[i] === '-') i++;
    if (s[i] === '0') i++;
    else digits();
    if (s[i] === '.') {
      i++;
      digits();
    }
    if (s[i] === 'e' || s[i] === 'E') {
      i++;
      if (s[i] === '+' || s[i] === '-') i++;
      digits();
    }
  };
  const value = (): void => {
    space();
    const c = s[i];
    if (c === '{') {
      i++;
      space();
      if (s[i] === '}') { i++; return; }
      for (;;) {
        space();
        if (s[i] !== '"') fail();
        string();
        space();
        if (s[i] !== ':') fail();
        i++;
        value();
        space();
        if (s[i] === '}') { i++; return; }
        if (s[i] !== ',') fail();
        i++;
      }
    }
    if (c === '[') {
      i++;
      space();
      if (s[i] === ']') { i++; return; }
      for (;;) {
        value();
        space();
        if (s[i] === ']') { i++; return; }
        if (s[i] !== ',') fail();
        i++;
      }
    }
    if (c === '"') { string(); return; }
    if (c === 't') { literal('true'); return; }
    if (c === 'f') { literal('false'); return; }
    if (c === 'n') { literal('null'); return; }
    if (c === '-' || isDigit(c)) { number(); return; }
    fail();
  };
  try {
    value();
    space();
    if (i < s.length) fail();
  } catch (at) {
    if (typeof at === 'number') return at;
    throw at;
  }
  return s.length; // parsed here but not by V8 (should not happen): point at the end
}
