// `npx tsx bench/flamegraph.ts in.cpuprofile out.svg`: a V8 CPU profile (node --cpu-prof, as
// BENCH_PROF=<dir> writes for the Kickstand server of the poll part) as a self-contained SVG flame graph,
// and the top 25 functions by self and by inclusive time on stdout. No dependencies: the profile is a
// tree of call frames with the samples that landed in each.
//
// Stacks are merged by function (name, file and line), so one function called from the same parent by
// different closures or at different columns is one frame; a frame's width is its samples.
// (idle), (program) and (garbage collector) are roots of their own, beside the JavaScript: how much of
// the time the process waited, ran V8 or Node internals outside any JS frame, or collected garbage.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

interface Frame {
  key: string;
  label: string;
  self: number;
  total: number;
  children: Map<string, Frame>;
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** "name file:line" (line 1-based), the file relative to the working directory or its package. */
function describe(cf: CallFrame): { key: string; label: string } {
  const name = cf.functionName || '(anonymous)';
  if (SPECIAL.has(name) || !cf.url) return { key: name, label: name };
  let file = cf.url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) file = file.slice(nm + '/node_modules/'.length);
  else if (file.startsWith('/')) file = path.relative(process.cwd(), file);
  const where = `${file}:${cf.lineNumber + 1}`;
  return { key: `${name} ${cf.url}:${cf.lineNumber}`, label: `${name} ${where}` };
}

function load(file: string): {
  root: Frame;
  selfBy: Map<string, number>;
  inclusiveBy: Map<string, number>;
  labels: Map<string, string>;
  ms: number;
} {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  if (profile.samples?.length) for (const id of profile.samples) self.set(id, (self.get(id) ?? 0) + 1);
  else for (const n of profile.nodes) if (n.hitCount) self.set(n.id, n.hitCount);

  const labels = new Map<string, string>();
  const described = new Map<number, { key: string; label: string }>();
  for (const n of profile.nodes) {
    const d = describe(n.callFrame);
    described.set(n.id, d);
    labels.set(d.key, d.label);
  }

  // The merged tree: (root)'s children are the roots, (idle), (program) and (garbage collector) among them.
  const root: Frame = { key: '(root)', label: 'all', self: 0, total: 0, children: new Map() };
  const rootNode = profile.nodes.find((n) => !parent.has(n.id))!;
  const merge = (node: ProfileNode, into: Frame) => {
    const d = described.get(node.id)!;
    let f = into.children.get(d.key);
    if (!f) into.children.set(d.key, (f = { key: d.key, label: d.label, self: 0, total: 0, children: new Map() }));
    f.self += self.get(node.id) ?? 0;
    for (const c of node.children ?? []) merge(byId.get(c)!, f);
  };
  root.self = self.get(rootNode.id) ?? 0;
  for (const c of rootNode.children ?? []) merge(byId.get(c)!, root);
  const sum = (f: Frame): number => (f.total = f.self + [...f.children.values()].reduce((n, c) => n + sum(c), 0));
  sum(root);

  // Per function: self samples, and inclusive ones (a sample counts once for every function on its stack).
  const selfBy = new Map<string, number>();
  const inclusiveBy = new Map<string, number>();
  for (const [id, count] of self) {
    const key = described.get(id)!.key;
    selfBy.set(key, (selfBy.get(key) ?? 0) + count);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = described.get(at)!.key;
      if (k === '(root)' || seen.has(k)) continue;
      seen.add(k);
      inclusiveBy.set(k, (inclusiveBy.get(k) ?? 0) + count);
    }
  }
  const ms = profile.timeDeltas?.length
    ? profile.timeDeltas.reduce((a, b) => a + b, 0) / 1000
    : (profile.endTime - profile.startTime) / 1000;
  return { root, selfBy, inclusiveBy, labels, ms };
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function colour(f: Frame): string {
  if (SPECIAL.has(f.key)) return 'rgb(190,190,190)';
  let h = 0;
  for (let i = 0; i < f.label.length; i++) h = (h * 31 + f.label.charCodeAt(i)) >>> 0;
  const v = h % 60;
  if (f.label.includes(' node:')) return `rgb(${200 + (v % 40)},${170 + (v % 50)},60)`; // Node's own JS: yellow
  if (f.label.includes('dist/') || f.label.includes('src/')) return `rgb(${215 + (v % 40)},${90 + v},50)`; // Kickstand: orange
  if (f.label.startsWith('(') || !f.label.includes(' ')) return `rgb(160,${140 + (v % 40)},${200 + (v % 50)})`; // native: violet
  return `rgb(${80 + v},${170 + (v % 50)},${80 + (v % 40)})`; // dependencies: green
}

function svg(root: Frame, title: string): string {
  const WIDTH = 1400;
  const ROW = 17;
  const scale = (WIDTH - 20) / Math.max(1, root.total);
  // Only frames at least a third of a pixel wide are drawn; the picture is as tall as they stack.
  const depthOf = (f: Frame): number => (f.total * scale < 0.3 ? 0 : 1 + Math.max(0, ...[...f.children.values()].map(depthOf)));
  const depth = depthOf(root);
  const height = depth * ROW + 40;
  const out: string[] = [];
  const draw = (f: Frame, x: number, level: number) => {
    const w = f.total * scale;
    if (w < 0.3) return;
    const y = height - 10 - (level + 1) * ROW;
    const pct = ((100 * f.total) / root.total).toFixed(2);
    const chars = Math.floor((w - 6) / 7);
    const text = chars < 3 ? '' : f.label.length <= chars ? f.label : `${f.label.slice(0, chars - 2)}..`;
    out.push(
      `<g><title>${escape(f.label)} — ${f.total} samples (${pct} %), self ${f.self}</title>` +
        `<rect x="${(10 + x).toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${ROW - 1}" rx="2" fill="${colour(f)}"/>` +
        (text ? `<text x="${(13 + x).toFixed(2)}" y="${y + ROW - 5}">${escape(text)}</text>` : '') +
        '</g>',
    );
    let cx = x;
    for (const c of [...f.children.values()].sort((a, b) => a.label.localeCompare(b.label))) {
      draw(c, cx, level + 1);
      cx += c.total * scale;
    }
  };
  draw(root, 0, 0);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `font-family="monospace" font-size="11">\n<rect width="100%" height="100%" fill="#fdfdf6"/>\n` +
    `<text x="10" y="20" font-size="14">${escape(title)}</text>\n${out.join('\n')}\n</svg>\n`
  );
}

function table(heading: string, by: Map<string, number>, labels: Map<string, string>, total: number, ms: number): string {
  const rows = [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
  const lines = rows.map(
    ([k, n]) => `${((100 * n) / total).toFixed(1).padStart(6)} % ${((n / total) * ms).toFixed(0).padStart(7)} ms  ${labels.get(k) ?? k}`,
  );
  return `${heading}\n${lines.join('\n')}\n`;
}

function main(): void {
  const args = process.argv.slice(2);
  const [input, output] = args;
  if (args.length !== 2 || !input || !output?.endsWith('.svg')) {
    process.stderr.write('usage: npx tsx bench/flamegraph.ts in.cpuprofile out.svg\n');
    process.exitCode = 2;
    return;
  }
  const { root, selfBy, inclusiveBy, labels, ms } = load(input);
  const idle = root.children.get('(idle)')?.total ?? 0;
  const title = `${path.basename(input)}: ${root.total} samples, ${(ms / 1000).toFixed(1)} s, ${((100 * idle) / root.total).toFixed(0)} % idle`;
  writeFileSync(output, svg(root, title));
  process.stdout.write(`${title}; flame graph in ${output}\n\n`);
  process.stdout.write(table('top 25 by self time', selfBy, labels, root.total, ms));
  process.stdout.write('\n');
  process.stdout.write(table('top 25 by inclusive time', inclusiveBy, labels, root.total, ms));
}

main();
