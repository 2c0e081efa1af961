// Line diff between two versions of a template, as `diff -u` shows it: the history page and the save
// audit both need one, and templates are small (hundreds of lines), so a plain Myers O((N+M)·D)
// shortest edit script is fast enough without heuristics.

export type DiffLine = { kind: ' ' | '-' | '+'; text: string; old?: number; new?: number };

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

/** The edit script turning `a` into `b`, line by line (every line of both, in order). */
export function diffLines(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let done = false;
  for (let d = 0; d <= max && !done; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        done = true;
        break;
      }
    }
  }
  // Walk the trace back from the end to recover the path.
  const out: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ kind: ' ', text: a[x - 1]!, old: x, new: y });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) out.push({ kind: '+', text: b[y - 1]!, new: y });
      else out.push({ kind: '-', text: a[x - 1]!, old: x });
    }
    x = prevX;
    y = prevY;
  }
  return out.reverse();
}

/** Hunks with `context` unchanged lines around each change; empty when the texts are equal. */
export function hunks(before: string, after: string, context = 3): Hunk[] {
  const lines = diffLines(splitLines(before), splitLines(after));
  const changed = lines.map((l, i) => (l.kind === ' ' ? -1 : i)).filter((i) => i >= 0);
  const result: Hunk[] = [];
  let i = 0;
  while (i < changed.length) {
    const start = Math.max(0, changed[i]! - context);
    let end = Math.min(lines.length, changed[i]! + context + 1);
    while (i + 1 < changed.length && changed[i + 1]! - context <= end) {
      i++;
      end = Math.min(lines.length, changed[i]! + context + 1);
    }
    const slice = lines.slice(start, end);
    const firstOld = slice.find((l) => l.old !== undefined)?.old ?? oldLineBefore(lines, start) + 1;
    const firstNew = slice.find((l) => l.new !== undefined)?.new ?? newLineBefore(lines, start) + 1;
    const oldLines = slice.filter((l) => l.kind !== '+').length;
    const newLines = slice.filter((l) => l.kind !== '-').length;
    result.push({ oldStart: oldLines ? firstOld : firstOld - 1, oldLines, newStart: newLines ? firstNew : firstNew - 1, newLines, lines: slice });
    i++;
  }
  return result;
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

function splitLines(text: string): string[] {
  if (text === '') return [];
  return text.replace(/\n$/, '').split('\n');
}

function oldLineBefore(lines: DiffLine[], index: number): number {
  for (let i = index - 1; i >= 0; i--) if (lines[i]!.old !== undefined) return lines[i]!.old!;
  return 0;
}

function newLineBefore(lines: DiffLine[], index: number): number {
  for (let i = index - 1; i >= 0; i--) if (lines[i]!.new !== undefined) return lines[i]!.new!;
  return 0;
}
