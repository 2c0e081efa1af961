// The validator against a real pykickstart checkout (PYKICKSTART_DIR): the corpus, one case per option
// of every command of every version, and the generated grammar tables. pykickstart is neither in
// Debian nor reachable from CI, so this is not part of `npm test`: `npm run check:pykickstart` runs it
// and fails when PYKICKSTART_DIR is unset (the Python that asks pykickstart lives in tools/).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kickstartCommands, validateKickstart, type KickstartVersion } from '../../src/kickstart/validate/index.js';
import { CORPUS, KICKSTAND_ONLY, VERSIONS } from './corpus.js';

// ---------------------------------------------------------------- against a real pykickstart checkout

const PYKICKSTART_DIR = process.env.PYKICKSTART_DIR;
if (!PYKICKSTART_DIR) throw new Error('PYKICKSTART_DIR must name a pykickstart checkout (see docs/templates.md)');
const GENERATED = 'src/kickstart/validate/grammar-data.generated.ts';

// tools/pykickstart_verdict.py gives what ksvalidator makes of each kickstart: "ok", "error", or
// "warning" (refused, but accepted with warnings ignored), with pykickstart's message.
function pykickstartVerdicts(cases: { version: string; text: string }[]): [string, string][] {
  const out = execFileSync('python3', ['tools/pykickstart_verdict.py', PYKICKSTART_DIR!], {
    input: JSON.stringify(cases),
    encoding: 'utf-8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out) as [string, string][];
}

function ourVerdict(text: string, version: KickstartVersion): string {
  const findings = validateKickstart(text, { version }).filter((f) => !KICKSTAND_ONLY.has(f.code));
  return findings.length === 0 ? 'ok' : findings.some((f) => f.severity === 'error') ? 'error' : 'warning';
}

// Commands whose deeper parse() checks the validator leaves to pykickstart (docs/templates.md): a case
// there may pass here and fail in pykickstart, never the other way round.
const LENIENT = new Set([
  'ostreesetup',
  'snapshot',
  'nvdimm',
  'btrfs',
  'driverdisk',
  'zfcp',
  'realm',
  'harddrive',
  'part',
  'partition',
  'autopart',
]);

describe('validateKickstart against pykickstart (PYKICKSTART_DIR)', () => {
  it('When the corpus is checked by pykickstart, then its verdicts match ours (Kickstand-only rules aside)', () => {
    const cases = CORPUS.flatMap(([name, text]) => VERSIONS.map((version) => ({ name, version, text })));
    const theirs = pykickstartVerdicts(cases);
    const mismatches = cases
      .map((c, i) => ({ ...c, ours: ourVerdict(c.text, c.version), theirs: theirs[i]![0], why: theirs[i]![1] }))
      .filter((c) => c.ours !== c.theirs)
      .map((c) => `${c.version} ${c.name}: ours ${c.ours}, pykickstart ${c.theirs} ${c.why}`);
    expect(mismatches).toEqual([]);
  }, 600_000);

  it('When every option of every command is tried, then pykickstart never accepts what we refuse', () => {
    const cases: { version: KickstartVersion; text: string; command: string }[] = [];
    for (const version of VERSIONS) {
      for (const [command, spec] of kickstartCommands(version)) {
        const options = [...spec.options.values()];
        const base = [command, ...options.filter((o) => o.required).map((o) => `${o.name}=x`), ...Array<string>(spec.minArgs).fill('a')];
        const add = (...words: string[]) => cases.push({ version, command, text: `${[...base, ...words].join(' ')}\n` });
        add();
        add('--kickstand-bogus');
        add('extra1', 'extra2');
        for (const o of options) {
          const value = o.type === 'int' ? '5' : o.type === 'bool' ? 'yes' : (o.choices?.[0] ?? 'v1');
          add(o.value === 'none' ? o.name : `${o.name}=${value}`);
          add(o.value === 'none' ? `${o.name}=1` : o.name);
          if (o.type) add(`${o.name}=x`);
        }
      }
    }
    const theirs = pykickstartVerdicts(cases);
    const wrong = cases
      .map((c, i) => ({ ...c, ours: ourVerdict(c.text, c.version), theirs: theirs[i]![0], why: theirs[i]![1] }))
      .filter((c) => c.ours !== c.theirs && !(c.ours === 'ok' && c.theirs === 'error' && LENIENT.has(c.command)))
      .map((c) => `${c.version} ${c.text.trim()}: ours ${c.ours}, pykickstart ${c.theirs} ${c.why}`);
    expect(wrong).toEqual([]);
    expect(cases.length).toBeGreaterThan(2000);
  }, 600_000);

  it('When the grammar tables are regenerated from the checkout, then grammar-data.generated.ts already holds them', () => {
    const generated = execFileSync('python3', ['tools/kickstart_grammar.py', PYKICKSTART_DIR], { encoding: 'utf-8', maxBuffer: 64 << 20 });
    const current = readFileSync(path.resolve(GENERATED), 'utf-8');
    if (current !== generated) {
      const out = path.join(os.tmpdir(), 'kickstand-grammar.ts');
      writeFileSync(out, generated);
      expect.fail(`the grammar in ${GENERATED} differs from this pykickstart; replace it with ${out}`);
    }
  }, 600_000);
});
