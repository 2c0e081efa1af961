// Lines and whitespace as Python sees them: pykickstart reads a kickstart with str.splitlines() and
// tests blank lines with str.isspace(), whose notions of a line end and of a space are wider than
// JavaScript's (\r, \v, \f, \x1c-\x1e, \x85, U+2028/9 end lines too).

// str.splitlines() boundaries. A value carrying one of these (not only \n) splits a kickstart line.
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
// str.isspace() / str.split() whitespace.
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Leading whitespace, as str.lstrip() removes it. */
export const LEADING_SPACE = new RegExp(`^[${PY_SPACE}]+`);
const ALL_SPACE = new RegExp(`^[${PY_SPACE}]*$`);
/** The first word, as str.split()[0] gives it (group 1). */
export const FIRST_WORD = new RegExp(`^[${PY_SPACE}]*([^${PY_SPACE}]+)`);

/** Lines as pykickstart reads them, without their terminators unless `keepEnds`. */
export function splitKickstartLines(text: string, keepEnds = false): string[] {
  const lines: string[] = [];
  let start = 0;
  for (const m of text.matchAll(LINE_BREAK)) {
    lines.push(text.slice(start, keepEnds ? m.index + m[0].length : m.index));
    start = m.index + m[0].length;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/** A line pykickstart skips outside sections (and in %packages): blank, or a comment. */
export function isBlankOrComment(line: string): boolean {
  return ALL_SPACE.test(line) || line.replace(LEADING_SPACE, '').startsWith('#');
}
