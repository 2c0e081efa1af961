// The kickstart validator: a corpus of kickstarts (corpus.ts) with the findings expected per version,
// the shlex port against Python's own shlex, and Python's line breaks. The same corpus is checked
// against a real pykickstart checkout by pykickstart.check.ts (`npm run check:pykickstart`).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  KICKSTART_VERSIONS,
  declaredVersion,
  kickstartVersion,
  shlexSplit,
  splitKickstartLines,
  validateKickstart,
  type Finding,
  type KickstartVersion,
} from '../../src/kickstart/validate/index.js';
import { CORPUS, VERSIONS, type Expected } from './corpus.js';

const codes = (findings: Finding[]) => findings.map((f) => f.code).sort();
const expectedFor = (e: Expected, v: (typeof VERSIONS)[number]) => [...(e[v] ?? e.all ?? [])].sort();

describe('validateKickstart', () => {
  for (const [name, text, expected] of CORPUS) {
    it.each(VERSIONS)(`When the kickstart has ${name}, then %s gives the expected findings`, (version) => {
      expect(codes(validateKickstart(text, { version }))).toEqual(expectedFor(expected, version));
    });
  }

  it('When findings come, then they name the line, severity and cause', () => {
    const findings = validateKickstart('text\n\ntimesource --ntp-server=a\n%post\necho\n', { version: 'RHEL8' });
    expect(findings).toEqual([
      {
        line: 3,
        severity: 'error',
        code: 'UNKNOWN_COMMAND',
        message: expect.stringMatching(/timesource.*RHEL8.*\(it exists in RHEL9, RHEL10/),
      },
      { line: 5, severity: 'error', code: 'UNTERMINATED_SECTION', message: '%post (line 4) does not end with %end' },
    ]);
  });

  it('When a script line starts with a section name, then the message says how to print it instead', () => {
    const [finding] = validateKickstart('%post\necho x\n%packages\n%end\n', { version: 'RHEL9' });
    expect(finding).toMatchObject({ line: 3, code: 'UNTERMINATED_SECTION' });
    expect(finding!.message).toContain(`printf '%s\\n' '%packages'`);
  });

  it('When a deprecated option is used, then it is a warning; an unknown one is an error', () => {
    expect(validateKickstart('timezone UTC --ntpservers=a\n', { version: 'RHEL9' })).toMatchObject([
      { severity: 'warning', code: 'DEPRECATED_OPTION' },
    ]);
    expect(validateKickstart('timezone UTC --ntpservers=a\n', { version: 'RHEL10' })).toMatchObject([
      { severity: 'error', code: 'UNKNOWN_OPTION' },
    ]);
  });

  it('When the kickstart is not read through %include, then its %pre is fine', () => {
    expect(validateKickstart('%pre\necho x\n%end\n', { version: 'RHEL9', included: false })).toEqual([]);
  });

  it('When the version is unknown, then validation refuses to guess', () => {
    expect(() => validateKickstart('text\n', { version: 'RHEL7' as KickstartVersion })).toThrow(/unknown kickstart version "RHEL7"/);
  });

  it('When a kickstart declares #version=, then that version is read back if known', () => {
    expect(declaredVersion('#version=RHEL9\ntext\n')).toBe('RHEL9');
    expect(declaredVersion('# a comment\n#version=F44\n')).toBe('F44');
    expect(declaredVersion('#version=RHEL7\n')).toBeUndefined();
    expect(declaredVersion('text\n')).toBeUndefined();
  });

  it('When mapping installers to versions, then EL 8–10 and Fedora from 40 are known, newer Fedora is the newest', () => {
    expect(kickstartVersion('rhel', 9)).toBe('RHEL9');
    expect(kickstartVersion('rhel', 7)).toBeUndefined();
    expect(kickstartVersion('fedora', 42)).toBe('F42');
    expect(kickstartVersion('fedora', 60)).toBe(KICKSTART_VERSIONS.at(-1));
    expect(kickstartVersion('fedora', 39)).toBeUndefined();
  });
});

describe('shlexSplit and splitKickstartLines', () => {
  const SAMPLES = [
    'a b  c',
    `--x='a b' --y="c \\"d\\" \\\\ \\$e"`,
    `'it'\\''s'`,
    `it'\\''s`,
    'a\\ b c\\#d',
    'x # comment',
    'x#y z',
    `''`,
    `"" x`,
    `a"b"'c'd`,
    '\ttab\tsep\r\n',
    'ünï\u00a0cödé',
  ];
  // python3 is one of the packages `npm test` installs (tools/test-packages.sh): this never skips.
  it.each(SAMPLES)('When %j is split with comments, then Python’s shlex agrees', (line) => {
    const script =
      'import json,shlex,sys\ntry: print(json.dumps(shlex.split(sys.argv[1], comments=True)))\nexcept ValueError as e: print(json.dumps(str(e)))';
    const py = JSON.parse(execFileSync('python3', ['-c', script, line], { encoding: 'utf-8' })) as string[] | string;
    if (typeof py === 'string') expect(() => shlexSplit(line, true)).toThrow(py);
    else expect(shlexSplit(line, true)).toEqual(py);
  });

  it('When quotes are unbalanced or a backslash ends the input, then shlexSplit throws like Python', () => {
    expect(() => shlexSplit(`a 'b`)).toThrow('No closing quotation');
    expect(() => shlexSplit('a "b')).toThrow('No closing quotation');
    expect(() => shlexSplit('a \\')).toThrow('No escaped character');
  });

  it('When text has Python’s line breaks, then lines split where pykickstart splits them', () => {
    expect(splitKickstartLines('a\nb\r\nc\rd\ve\ff\x1cg\x85h\u2028i\u2029j\n')).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    expect(splitKickstartLines('x\u00a0y\tz')).toEqual(['x\u00a0y\tz']);
  });
});
