// A port of Python's shlex.split: pykickstart splits every command and section header line with
// shlex.split(line, comments=True), so quoting, escapes and `#` mean here what they mean to Anaconda.

export class ShlexError extends Error {}

/** Python's shlex.split(s, comments) in POSIX mode: whitespace is space, tab, CR and LF only; `'…'`
 *  is literal, `"…"` honours backslash before `"` and `\`, a bare backslash escapes any character,
 *  and with comments a `#` outside quotes that starts or continues a word ends the line. */
export function shlexSplit(s: string, comments = false): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false; // a word has started (possibly empty but quoted)
  let state: ' ' | 'a' | "'" | '"' = ' ';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (state === "'") {
      if (c === "'") state = 'a';
      else word += c;
      continue;
    }
    if (state === '"') {
      if (c === '"') state = 'a';
      else if (c === '\\') {
        const next = s[i + 1];
        if (next === undefined) throw new ShlexError('No escaped character');
        if (next !== '"' && next !== '\\') word += c;
        word += next;
        i++;
      } else word += c;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      state = ' ';
      continue;
    }
    if (comments && c === '#') {
      if (inWord) words.push(word);
      return words;
    }
    inWord = true;
    if (c === "'" || c === '"') state = c;
    else if (c === '\\') {
      const next = s[i + 1];
      if (next === undefined) throw new ShlexError('No escaped character');
      word += next;
      i++;
      state = 'a';
    } else {
      word += c;
      state = 'a';
    }
  }
  if (state === "'" || state === '"') throw new ShlexError('No closing quotation');
  if (inWord) words.push(word);
  return words;
}
