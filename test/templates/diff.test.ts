// The history's diff: the same hunks `diff -u` prints, on random edits of real templates.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffStat, unifiedDiff } from '../../src/templates/diff.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kickstand-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function gnuDiff(a: string, b: string): string {
  writeFileSync(path.join(dir, 'a'), a);
  writeFileSync(path.join(dir, 'b'), b);
  try {
    execFileSync('diff', ['-u', path.join(dir, 'a'), path.join(dir, 'b')], { encoding: 'utf-8' });
    return '';
  } catch (err) {
    // diff exits 1 when the files differ; drop its two file-name header lines.
    return (err as { stdout: string }).stdout.split('\n').slice(2).join('\n').replace(/\n$/, '');
  }
}

// A seeded generator, so a failure can be replayed.
function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

function mutate(lines: string[], random: () => number): string[] {
  const out = [...lines];
  const edits = 1 + Math.floor(random() * 6);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (out.length + 1));
    const r = random();
    if (r < 0.35 && out.length) out.splice(at, 1 + Math.floor(random() * 3));
    else if (r < 0.7) out.splice(at, 0, ...Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => `added ${e} ${i}`));
    else if (out.length) out[Math.min(at, out.length - 1)] = `changed ${e}`;
  }
  return out;
}

describe('template diff', () => {
  const base = readFileSync('kickstarts/rhel.ks.njk', 'utf-8').replace(/\n$/, '').split('\n');

  it('When two hundred random edits of a shipped template are diffed, then the change is as small as GNU diff -u finds and patch(1) applies it', () => {
    const random = rng(42);
    for (let i = 0; i < 200; i++) {
      const a = i % 2 ? base : mutate(base, random);
      const b = mutate(a, random);
      const before = `${a.join('\n')}\n`;
      const after = `${b.join('\n')}\n`;
      // Both are shortest edit scripts; GNU diff may pick a different but equally short one, so
      // compare the size of the change and that applying our hunks really gives the new text.
      const ours = unifiedDiff(before, after);
      const theirs = gnuDiff(before, after);
      const count = (d: string, c: string) => d.split('\n').filter((l) => l.startsWith(c) && !l.startsWith(`${c}${c}${c}`)).length;
      expect(count(ours, '+'), `edit ${i}`).toBe(count(theirs, '+'));
      expect(count(ours, '-'), `edit ${i}`).toBe(count(theirs, '-'));
      expect(applyPatch(before, ours), `edit ${i}`).toBe(after);
      writeFileSync(path.join(dir, 'p'), `--- a\n+++ b\n${ours}\n`);
      writeFileSync(path.join(dir, 'a'), before);
      execFileSync('patch', ['-s', path.join(dir, 'a'), path.join(dir, 'p')]);
      expect(readFileSync(path.join(dir, 'a'), 'utf-8'), `edit ${i} through patch(1)`).toBe(after);
    }
  });

  it('When the texts are equal, then there is no hunk; when one is empty, then every line is added', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n')).toBe('');
    expect(unifiedDiff('', 'x\ny\n')).toBe('@@ -0,0 +1,2 @@\n+x\n+y');
    expect(diffStat('a\nb\nc\n', 'a\nc\nd\ne\n')).toEqual({ added: 2, removed: 1 });
  });
});

/** Apply our unified diff to `before` (a tiny patch(1)), checking every context line on the way. */
function applyPatch(before: string, diff: string): string {
  const src = before.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let at = 0;
  for (const line of diff.split('\n')) {
    const h = /^@@ -(\d+),(\d+) /.exec(line);
    if (h) {
      const start = Number(h[2]) === 0 ? Number(h[1]) : Number(h[1]) - 1;
      while (at < start) out.push(src[at++]!);
    } else if (line.startsWith(' ')) {
      if (src[at] !== line.slice(1)) throw new Error(`context mismatch at ${at + 1}`);
      out.push(src[at++]!);
    } else if (line.startsWith('-')) {
      if (src[at] !== line.slice(1)) throw new Error(`removed line mismatch at ${at + 1}`);
      at++;
    } else if (line.startsWith('+')) out.push(line.slice(1));
  }
  while (at < src.length) out.push(src[at++]!);
  return `${out.join('\n')}\n`;
}
