// Line diff between two versions of a template, as `diff -u` shows it: the history page and the save
// audit both need one. The `diff` package (jsdiff) finds the shortest edit script and groups it into
// GNU-style hunks; this module only shapes its output for the history page, the API and the audit.
import { diffArrays, structuredPatch } from 'diff';

export interface DiffLine {
  kind: ' ' | '-' | '+';
  text: string;
  old?: number;
  new?: number;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

/** The edit script turning `a` into `b`, line by line (every line of both, in order). */
export function diffLines(a: string[], b: string[]): DiffLine[] {
  const out: DiffLine[] = [];
  let old = 0;
  let now = 0;
  for (const change of diffArrays(a, b)) {
    for (const text of change.value) {
      if (change.added) out.push({ kind: '+', text, new: ++now });
      else if (change.removed) out.push({ kind: '-', text, old: ++old });
      else out.push({ kind: ' ', text, old: ++old, new: ++now });
    }
  }
  return out;
}

/** Hunks with `context` unchanged lines around each change; empty when the texts are equal. */
export function hunks(before: string, after: string, context = 3): Hunk[] {
  return structuredPatch('a', 'b', normalize(before), normalize(after), undefined, undefined, { context }).hunks.map((h) => {
    let old = h.oldStart;
    let now = h.newStart;
    const lines = h.lines.map((line): DiffLine => {
      const kind = line[0] as DiffLine['kind'];
      const text = line.slice(1);
      if (kind === '+') return { kind, text, new: now++ };
      if (kind === '-') return { kind, text, old: old++ };
      return { kind, text, old: old++, new: now++ };
    });
    // jsdiff counts an empty side from the line after the change; `diff -u` (and patch(1)) from the line before.
    return {
      oldStart: h.oldLines === 0 ? h.oldStart - 1 : h.oldStart,
      oldLines: h.oldLines,
      newStart: h.newLines === 0 ? h.newStart - 1 : h.newStart,
      newLines: h.newLines,
      lines,
    };
  });
}

/** `diff -u` text (without file headers). */
export function unifiedDiff(before: string, after: string, context = 3): string {
  return hunks(before, after, context)
    .map((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines.map((l) => `${l.kind}${l.text}`)].join('\n'))
    .join('\n');
}

/** Lines added and removed, for a one-line summary ("+3 −1"). */
export function diffStat(before: string, after: string): { added: number; removed: number } {
  const lines = diffLines(splitLines(before), splitLines(after));
  return { added: lines.filter((l) => l.kind === '+').length, removed: lines.filter((l) => l.kind === '-').length };
}

// A template's lines: a newline at the very end ends the last line, it does not start an empty one.
function splitLines(text: string): string[] {
  if (text === '') return [];
  return text.replace(/\n$/, '').split('\n');
}

// The text jsdiff sees: every line ends with \n, so it never adds "\ No newline at end of file" and
// two texts differing only in the final newline have no diff, as splitLines reads them.
function normalize(text: string): string {
  const lines = splitLines(text);
  return lines.length ? `${lines.join('\n')}\n` : '';
}
