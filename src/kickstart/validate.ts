// Kickstart validator: the rules of pykickstart's `ksvalidator` that decide whether Anaconda accepts a
// kickstart Kickstand renders, without Python. pykickstart stays the reference (anaconda.md §5: a
// warning there is an error for us); test/tools/ksvalidate-goldens.sh re-checks the goldens with it, and
// test/kickstart/validate.test.ts (given PYKICKSTART_DIR) compares verdicts and grammar with a checkout.
//
// What is checked, as pykickstart's parser does it (parser.py, base.py, options.py, sections.py):
// - lines split like Python's str.splitlines (\r, \v, \f, \x1c-\x1e, \x85, U+2028/9 end lines too);
//   command lines split like shlex.split(line, comments=True);
// - sections: known names, %end pairing, header options; a script line starting with a section
//   name, %end or %include is kickstart syntax, not script text (anaconda.md §2);
// - commands per version: unknown, removed (error), deprecated (warning), options (unknown,
//   ambiguous abbreviation, missing or unexpected value, int/boolean/choice values, required,
//   deprecated), argument counts, conflicting commands, duplicate entries (network --device, repo
//   --name, part mount point…), and the "one of these options" rules of the commands templates use;
// - Kickstand's own rules: a single-use command given twice (pykickstart silently keeps the last),
//   %include / %ksappend (their content is not checked), %pre in an included kickstart (never runs).
// Command-specific checks deeper than that (a logvol's volume group exists, a valid time zone…) are
// left to pykickstart and Anaconda.

export interface Finding {
  line: number;
  severity: 'error' | 'warning';
  code: FindingCode;
  message: string;
}

export type FindingCode =
  | 'SYNTAX'
  | 'UNKNOWN_SECTION'
  | 'UNTERMINATED_SECTION'
  | 'STRAY_END'
  | 'SECTION_OPTION'
  | 'DEPRECATED_SECTION'
  | 'EMPTY_SECTION'
  | 'UNKNOWN_COMMAND'
  | 'REMOVED_COMMAND'
  | 'DEPRECATED_COMMAND'
  | 'UNKNOWN_OPTION'
  | 'DEPRECATED_OPTION'
  | 'BAD_OPTION'
  | 'BAD_ARGUMENTS'
  | 'CONFLICTING_COMMANDS'
  | 'DUPLICATE_COMMAND'
  | 'DUPLICATE_ENTRY'
  | 'PACKAGE_LINE'
  | 'INCLUDE'
  | 'KSAPPEND'
  | 'INCLUDE_IN_SECTION'
  | 'PRE_IN_INCLUDED';

export type KickstartVersion = (typeof KICKSTART_VERSIONS)[number];

export interface ValidateOptions {
  /** pykickstart syntax version: RHEL8, RHEL9, RHEL10 or F40…F45. */
  version: KickstartVersion;
  /** The kickstart is read through the stub's `%include` (every final kickstart Kickstand serves),
   *  so its `%pre` never runs and `%ksappend` is never expanded. Default true. */
  included?: boolean;
}

/** Check a kickstart; findings in line order, empty when Anaconda's parser would accept it cleanly. */
export function validateKickstart(text: string, options: ValidateOptions): Finding[] {
  return new Validator(grammarFor(options.version), options.included ?? true).run(text);
}

/** The syntax version for an installer (facts.installer) or an explicit major version: RHEL-like
 *  8, 9, 10 → RHELn; Fedora → Fn, clamped to the versions known here. Undefined when unknown. */
export function kickstartVersion(family: 'rhel' | 'fedora', major: number): KickstartVersion | undefined {
  if (!Number.isInteger(major)) return undefined;
  if (family === 'rhel') {
    const v = `RHEL${major}`;
    return (KICKSTART_VERSIONS as readonly string[]).includes(v) ? (v as KickstartVersion) : undefined;
  }
  const fedora = KICKSTART_VERSIONS.filter((v) => v.startsWith('F')).map((v) => Number(v.slice(1)));
  const newest = Math.max(...fedora);
  const oldest = Math.min(...fedora);
  if (major > newest) return `F${newest}` as KickstartVersion; // pykickstart's newest handler is DEVEL
  if (major < oldest) return undefined;
  return `F${major}` as KickstartVersion;
}

/** The version a kickstart names on a `#version=RHEL9` line (the convention of Anaconda's
 *  anaconda-ks.cfg and pykickstart's versionFromFile; the shipped templates write one), if known here. */
export function declaredVersion(text: string): KickstartVersion | undefined {
  const v = /^#version=([A-Za-z0-9]+)[ \t]*$/m.exec(text)?.[1]?.toUpperCase();
  return (KICKSTART_VERSIONS as readonly string[]).includes(v ?? '') ? (v as KickstartVersion) : undefined;
}

/** The commands a version knows, with their options and argument counts (for tests and editors). */
export function kickstartCommands(version: KickstartVersion): ReadonlyMap<string, Readonly<CommandSpec>> {
  return grammarFor(version).commands;
}

// ---------------------------------------------------------------- lines and words, as Python splits them

// str.splitlines() boundaries. A value carrying one of these (not only \n) splits a kickstart line.
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
// str.isspace() / str.split() whitespace.
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING_SPACE = new RegExp(`^[${PY_SPACE}]+`);
const ALL_SPACE = new RegExp(`^[${PY_SPACE}]*$`);
const FIRST_WORD = new RegExp(`^[${PY_SPACE}]*([^${PY_SPACE}]+)`);

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

// ---------------------------------------------------------------- grammar

export interface OptionSpec {
  name: string;
  value: 'none' | 'required' | 'optional';
  type?: 'int' | 'bool';
  choices?: string[];
  deprecated: boolean;
  required: boolean;
}

export interface CommandSpec {
  status: 'ok' | 'deprecated' | 'removed';
  /** Takes its whole line as free text (authselect). */
  free: boolean;
  minArgs: number;
  maxArgs: number;
  multi: boolean;
  conflicts: string[];
  options: Map<string, OptionSpec>;
}

interface SectionSpec {
  deprecated: boolean;
  options: Map<string, OptionSpec>;
}

interface Grammar {
  version: KickstartVersion;
  commands: Map<string, CommandSpec>;
  sections: Map<string, SectionSpec>;
}

// Sections pykickstart knows but does not interpret; their bodies are taken verbatim.
const NULL_SECTIONS = ['%addon', '%anaconda'];
const SCRIPT_SECTIONS = new Set(['%pre', '%pre-install', '%post', '%onerror', '%traceback']);

const grammars = new Map<string, Grammar>();

function grammarFor(version: KickstartVersion): Grammar {
  if (!(KICKSTART_VERSIONS as readonly string[]).includes(version)) {
    throw new Error(`unknown kickstart version "${String(version)}" (known: ${KICKSTART_VERSIONS.join(', ')})`);
  }
  let grammar = grammars.get(version);
  if (grammar) return grammar;
  grammar = { version, commands: new Map(), sections: new Map() };
  for (const [name, rows] of Object.entries(COMMANDS)) {
    const spec = rowFor(rows, version);
    if (spec !== undefined) grammar.commands.set(name, parseCommandSpec(spec));
  }
  for (const [name, rows] of Object.entries(SECTIONS)) {
    const spec = rowFor(rows, version);
    if (spec === undefined) continue;
    const words = spec.split(' ').filter(Boolean);
    const deprecated = words[0] === 'deprecated';
    grammar.sections.set(name, { deprecated, options: parseOptions(deprecated ? words.slice(1) : words) });
  }
  for (const name of NULL_SECTIONS) grammar.sections.set(name, { deprecated: false, options: new Map() });
  grammars.set(version, grammar);
  return grammar;
}

function rowFor(rows: Array<[string, string]>, version: string): string | undefined {
  return rows.find(([versions]) => versions.split(' ').includes(version))?.[1];
}

function parseCommandSpec(spec: string): CommandSpec {
  if (spec === 'removed' || spec === 'deprecated') {
    return { status: spec, free: true, minArgs: 0, maxArgs: Infinity, multi: false, conflicts: [], options: new Map() };
  }
  const command: CommandSpec = { status: 'ok', free: false, minArgs: 0, maxArgs: 0, multi: false, conflicts: [], options: new Map() };
  const optionWords: string[] = [];
  for (const word of spec.split(' ')) {
    const p = /^p(\d+)(?:-(\d+|\*))?$/.exec(word);
    if (word === 'free') command.free = true;
    else if (word === '+') command.multi = true;
    else if (word.startsWith('x=')) command.conflicts = word.slice(2).split(',');
    else if (p) {
      command.minArgs = Number(p[1]);
      command.maxArgs = p[2] === undefined ? command.minArgs : p[2] === '*' ? Infinity : Number(p[2]);
    } else optionWords.push(word);
  }
  command.options = parseOptions(optionWords);
  return command;
}

// `--name`, `--name=` (takes a value), `--name=?` (optional value), then `:int`/`:bool`, `{a|b}`
// choices, `!` deprecated, `*` required.
function parseOptions(words: string[]): Map<string, OptionSpec> {
  const options = new Map<string, OptionSpec>();
  for (const word of words) {
    const m = /^(--[^=:{!*]+)(=\??)?(?::(int|bool))?(?:\{([^}]*)\})?(!)?(\*)?$/.exec(word);
    if (!m) throw new Error(`bad option spec ${word}`);
    options.set(m[1]!, {
      name: m[1]!,
      value: m[2] === '=' ? 'required' : m[2] === '=?' ? 'optional' : 'none',
      ...(m[3] ? { type: m[3] as 'int' | 'bool' } : {}),
      ...(m[4] ? { choices: m[4].split('|') } : {}),
      deprecated: m[5] === '!',
      required: m[6] === '*',
    });
  }
  return options;
}

// ---------------------------------------------------------------- argparse, as KSOptionParser uses it

type Problem = { severity: 'error' | 'warning'; code: FindingCode; message: string };

interface ParsedArgs {
  /** Option name → values given (a flag records ''). */
  given: Map<string, string[]>;
  positionals: string[];
  problems: Problem[];
}

const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

type OptionMatch = { kind: 'option'; spec: OptionSpec; explicit?: string } | { kind: 'unknown' } | { kind: 'ambiguous'; names: string[] } | { kind: 'positional' };

// argparse's _parse_optional: is this word an option, which one, or a positional?
function matchOption(word: string, options: Map<string, OptionSpec>): OptionMatch {
  if (!word.startsWith('-') || word === '-') return { kind: 'positional' };
  const exact = options.get(word);
  if (exact) return { kind: 'option', spec: exact };
  const eq = word.indexOf('=');
  if (eq > 0) {
    const named = options.get(word.slice(0, eq));
    if (named) return { kind: 'option', spec: named, explicit: word.slice(eq + 1) };
  }
  if (word.startsWith('--')) {
    const prefix = eq > 0 ? word.slice(0, eq) : word;
    const names = [...options.keys()].filter((n) => n.startsWith(prefix));
    // Python 3.11's argparse calls two prefixes of one option (--excludeWeakdeps, --exclude-weakdeps) ambiguous too.
    if (names.length > 1) return { kind: 'ambiguous', names };
    if (names.length === 1) return { kind: 'option', spec: options.get(names[0]!)!, ...(eq > 0 ? { explicit: word.slice(eq + 1) } : {}) };
  }
  if (NEGATIVE_NUMBER.test(word)) return { kind: 'positional' };
  if (word.includes(' ')) return { kind: 'positional' };
  return { kind: 'unknown' };
}

function parseArgs(words: string[], options: Map<string, OptionSpec>, where: string, version: string): ParsedArgs {
  const given = new Map<string, string[]>();
  const positionals: string[] = [];
  const problems: Problem[] = [];
  const error = (code: FindingCode, message: string) => problems.push({ severity: 'error', code, message });
  let onlyPositionals = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (onlyPositionals) {
      positionals.push(word);
      continue;
    }
    if (word === '--') {
      onlyPositionals = true;
      continue;
    }
    const m = matchOption(word, options);
    if (m.kind === 'positional') {
      positionals.push(word);
      continue;
    }
    if (m.kind === 'unknown') {
      error('UNKNOWN_OPTION', `${where}: unknown option ${word.split('=')[0]}`);
      continue;
    }
    if (m.kind === 'ambiguous') {
      error('UNKNOWN_OPTION', `${where}: ambiguous option ${word.split('=')[0]} could match ${m.names.join(', ')}`);
      continue;
    }
    const spec = m.spec;
    let value: string | undefined = m.explicit;
    if (spec.value === 'none') {
      if (value !== undefined) {
        error('BAD_OPTION', `${where}: ${spec.name} takes no value (got "${value}")`);
        continue;
      }
      value = '';
    } else if (value === undefined) {
      const next = words[i + 1];
      const nextIsValue = next !== undefined && next !== '--' && matchOption(next, options).kind === 'positional';
      if (nextIsValue) {
        value = next;
        i++;
      } else if (spec.value === 'required') {
        error('BAD_OPTION', `${where}: ${spec.name} needs a value`);
        continue;
      } else value = '';
    }
    if (spec.deprecated) {
      problems.push({
        severity: 'warning',
        code: 'DEPRECATED_OPTION',
        message: `${where}: ${spec.name} is deprecated in ${version} and may stop working (pykickstart warns)`,
      });
    }
    const bad = badValue(spec, value);
    if (bad) {
      error('BAD_OPTION', `${where}: ${spec.name}: ${bad}`);
      continue;
    }
    given.set(spec.name, [...(given.get(spec.name) ?? []), value]);
  }
  for (const spec of options.values()) {
    if (spec.required && !given.has(spec.name)) error('BAD_OPTION', `${where}: ${spec.name} is required`);
  }
  return { given, positionals, problems };
}

function badValue(spec: OptionSpec, value: string): string | undefined {
  if (spec.value === 'none' || (spec.value === 'optional' && value === '')) return undefined;
  // Python's int(): surrounding whitespace, a sign, digits with single underscores between them.
  if (spec.type === 'int' && !/^[\s]*[+-]?\d+(?:_\d+)*[\s]*$/.test(value)) return `"${value}" is not an integer`;
  if (spec.type === 'bool' && !/^(?:on|yes|true|1|off|no|false|0)$/i.test(value)) return `"${value}" is not a boolean (yes/no, on/off, true/false, 1/0)`;
  if (spec.choices && !spec.choices.includes(value)) return `"${value}" is not one of ${spec.choices.join(', ')}`;
  return undefined;
}

// ---------------------------------------------------------------- rules pykickstart writes by hand

// Commands whose parse() demands one (or at most one) of a set of options.
const ONE_OF: Record<string, { options: string[]; atLeastOne: boolean; atMostOne: boolean }> = {
  url: { options: ['--url', '--mirrorlist', '--metalink'], atLeastOne: true, atMostOne: true },
  repo: { options: ['--baseurl', '--mirrorlist', '--metalink'], atLeastOne: false, atMostOne: true },
  timesource: { options: ['--ntp-server', '--ntp-pool', '--ntp-disable'], atLeastOne: true, atMostOne: true },
  ignoredisk: { options: ['--drives', '--only-use'], atLeastOne: true, atMostOne: true },
  services: { options: ['--enabled', '--disabled'], atLeastOne: true, atMostOne: false },
  eula: { options: ['--agreed', '--agree', '--accepted', '--accept'], atLeastOne: true, atMostOne: false },
};

// Other checks the parse() methods of common commands make (pykickstart/commands/*.py). Each returns
// the problem, or undefined. Commands not listed get only the generic checks above.
const has = (a: ParsedArgs, ...options: string[]) => options.some((o) => a.given.has(o));
const RULES: Record<string, (a: ParsedArgs, version: KickstartVersion) => string | undefined> = {
  rootpw: (a) => (a.positionals.length === 0 && !has(a, '--lock') ? 'rootpw needs a password (or --lock)' : undefined),
  sshpw: (a) => (a.positionals.length === 0 ? 'sshpw needs a password' : undefined),
  cmdline: (a) => (has(a, '--non-interactive') ? 'cmdline does not take --non-interactive' : undefined),
  mount: (a) => {
    const mountpoint = a.positionals[1];
    return mountpoint !== undefined && mountpoint !== 'none' && !mountpoint.startsWith('/') ? `mount: invalid mount point "${mountpoint}"` : undefined;
  },
  keyboard: (a) =>
    a.positionals.length > 1 ? 'keyboard takes one layout argument'
    : a.positionals.length === 0 && !has(a, '--vckeymap', '--xlayouts') ? 'keyboard needs a layout: an argument, --vckeymap or --xlayouts'
    : undefined,
  timezone: (a) =>
    a.positionals.length > 1 ? 'timezone takes one time zone argument'
    : a.positionals.length === 0 && a.given.size === 0 ? 'timezone needs a time zone (or an option)'
    : undefined,
  updates: (a) => (a.positionals.length > 1 ? 'updates takes one URL' : undefined),
  autopart: (a, version) => {
    const type = last(a, '--type')?.toLowerCase();
    const types = version.startsWith('RHEL') ? ['lvm', 'plain', 'thinp'] : ['lvm', 'btrfs', 'plain', 'thinp'];
    return type !== undefined && !types.includes(type) ? `autopart --type must be one of ${types.join(', ')} in ${version}` : undefined;
  },
  part: (a) => (has(a, '--resize') && !has(a, '--onpart') ? 'part --resize needs --onpart' : undefined),
  partition: (a) => RULES.part!(a, 'RHEL9'),
  logvol: (a) =>
    !has(a, '--useexisting', '--noformat', '--size', '--percent', '--hibernation', '--recommended')
      ? 'logvol needs a size: one of --size, --percent, --recommended, --hibernation, --useexisting or --noformat'
      : undefined,
  volgroup: (a) =>
    a.positionals.length === 0 ? 'volgroup needs a volume group name'
    : a.positionals.length === 1 && !has(a, '--useexisting', '--noformat') ? 'volgroup needs its physical volumes (or --useexisting)'
    : undefined,
  raid: (a) =>
    a.positionals.length < 2 && !has(a, '--useexisting', '--noformat') ? 'raid needs its member partitions (or --useexisting)'
    : !has(a, '--level') && !has(a, '--useexisting', '--noformat') ? 'raid needs --level'
    : undefined,
  logging: (a) => (has(a, '--port') && !has(a, '--host') ? 'logging --port needs --host' : undefined),
  network: (a) => {
    if (has(a, '--bridgeopts') && !has(a, '--bridgeslaves')) return 'network --bridgeopts needs --bridgeslaves';
    const needDevice = ['--ipv4-dns-search', '--ipv6-dns-search', '--ipv4-ignore-auto-dns', '--ipv6-ignore-auto-dns'].find((o) => has(a, o));
    return needDevice && !has(a, '--device') ? `network ${needDevice} needs --device` : undefined;
  },
};

// Multi-use commands warn when an entry repeats; the key that makes two entries the same.
const ENTRY_KEY: Record<string, (a: ParsedArgs) => string | undefined> = {
  network: (a) => last(a, '--device') ?? '',
  repo: (a) => last(a, '--name'),
  user: (a) => last(a, '--name'),
  group: (a) => last(a, '--name'),
  sshkey: (a) => last(a, '--username'),
  sshpw: (a) => last(a, '--username'),
  part: (a) => (a.positionals[0] === 'swap' ? undefined : normalizeMountpoint(a.positionals[0])),
  raid: (a) => last(a, '--device'),
  volgroup: (a) => a.positionals[0],
  logvol: (a) => `${last(a, '--vgname') ?? ''}/${last(a, '--name') ?? ''}`,
  btrfs: (a) => normalizeMountpoint(a.positionals[0]),
};

function last(a: ParsedArgs, option: string): string | undefined {
  return a.given.get(option)?.at(-1);
}

// pykickstart's mountpoint type: os.path.normpath for absolute paths.
function normalizeMountpoint(p: string | undefined): string | undefined {
  if (p === undefined || !p.startsWith('/')) return p;
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

// ---------------------------------------------------------------- the parser's state machine

function isBlankOrComment(line: string): boolean {
  return ALL_SPACE.test(line) || line.replace(LEADING_SPACE, '').startsWith('#');
}

const ALL_LINES = (section: string) => section !== '%packages'; // scripts, %certificate and null sections keep every line

class Validator {
  private readonly findings: Finding[] = [];
  /** Canonical command name → line of its first use. */
  private readonly seen = new Map<string, { line: number; name: string }>();
  private readonly entries = new Map<string, number>();
  private lastEnd: number | undefined;

  constructor(
    private readonly grammar: Grammar,
    private readonly included: boolean,
  ) {}

  run(text: string): Finding[] {
    const lines = splitKickstartLines(text, true); // as str.splitlines(True) gives them to the parser
    let i = 0;
    while (i < lines.length) {
      const raw = lines[i]!;
      const line = ++i;
      if (isBlankOrComment(raw)) continue;
      const args = this.split(raw, line, true);
      if (!args || args.length === 0) continue;
      const first = args[0]!;
      if (first === '%include') {
        this.include(line, args, 'commands');
      } else if (first === '%ksappend') {
        this.add(line, 'warning', 'KSAPPEND', this.included
          ? '%ksappend is ignored here: only the kickstart dracut fetches has its %ksappend lines expanded'
          : `%ksappend ${args[1] ?? ''}: the appended file is fetched by the installer and not checked here`);
      } else if (first === '') {
        this.add(line, 'error', 'SYNTAX', 'a command line cannot start with an empty quoted word');
      } else if (first.startsWith('%')) {
        i = this.section(lines, i, line, args);
      } else {
        this.command(line, args);
      }
    }
    return this.findings.sort((a, b) => a.line - b.line);
  }

  private add(line: number, severity: Finding['severity'], code: FindingCode, message: string): void {
    this.findings.push({ line, severity, code, message });
  }

  private split(raw: string, line: number, comments: boolean): string[] | undefined {
    try {
      return shlexSplit(raw, comments);
    } catch (err) {
      this.add(line, 'error', 'SYNTAX', `${(err as Error).message} (kickstart lines are split like a shell command)`);
      return undefined;
    }
  }

  private include(line: number, args: string[], where: string): void {
    if (!args[1]) {
      this.add(line, 'error', 'SYNTAX', '%include needs a file name');
    } else if (where === 'script') {
      this.add(line, 'error', 'INCLUDE_IN_SECTION',
        `%include inside a script is read by Anaconda as an include, not as script text; build the line with printf '%s\\n' '%include'`);
    } else {
      this.add(line, 'warning', 'INCLUDE', `%include ${args[1]}: the included file is not checked here, and Anaconda stops if it is missing`);
    }
  }

  /** A section header at `line` (lines[next] is the first body line); returns the index after it. */
  private section(lines: string[], next: number, line: number, args: string[]): number {
    const name = args[0]!;
    if (name === '%end') {
      this.add(line, 'error', 'STRAY_END', `%end without an open section${this.lastEnd ? ` (the section before closed at line ${this.lastEnd}: does a script line there start with %end?)` : ''}`);
      return next;
    }
    const spec = this.grammar.sections.get(name);
    if (!spec) {
      this.add(line, 'error', 'UNKNOWN_SECTION', `unknown section ${name} (known: ${[...this.grammar.sections.keys()].join(', ')})`);
    } else {
      this.header(line, name, args, spec);
    }
    return this.body(lines, next, line, name);
  }

  private header(line: number, name: string, args: string[], spec: SectionSpec): void {
    if (spec.deprecated) {
      this.add(line, 'warning', 'DEPRECATED_SECTION', `${name} is deprecated in ${this.grammar.version}${name === '%traceback' ? '; use %onerror' : ''}`);
    }
    if (name === '%pre' && this.included) {
      this.add(line, 'warning', 'PRE_IN_INCLUDED', '%pre in a kickstart read through %include never runs: Anaconda runs every %pre before it reads the include');
    }
    if (NULL_SECTIONS.includes(name)) return;
    const parsed = parseArgs(args.slice(1), spec.options, name, this.grammar.version);
    for (const p of parsed.problems) this.add(line, p.severity, p.code === 'UNKNOWN_OPTION' || p.code === 'BAD_OPTION' ? 'SECTION_OPTION' : p.code, p.message);
    if (parsed.positionals.length > 0) this.add(line, 'error', 'SECTION_OPTION', `${name}: unexpected argument ${parsed.positionals.join(' ')}`);
    if (name === '%certificate' && !parsed.given.has('--dir') && !parsed.given.has('--type')) {
      this.add(line, 'error', 'SECTION_OPTION', `%certificate needs --dir${spec.options.has('--type') ? ' or --type' : ''}`);
    }
    if (name === '%packages' && parsed.given.has('--default') && parsed.given.has('--nocore')) {
      this.add(line, 'error', 'SECTION_OPTION', '%packages: --default and --nocore cannot be used together');
    }
  }

  /** Read a section body from lines[start] to its %end, as pykickstart's _readSection does. */
  private body(lines: string[], start: number, headerLine: number, name: string): number {
    const script = SCRIPT_SECTIONS.has(name) || NULL_SECTIONS.includes(name) || !this.grammar.sections.has(name);
    let content = '';
    for (let i = start; i < lines.length; i++) {
      const raw = lines[i]!;
      const line = i + 1;
      if (!ALL_LINES(name) && isBlankOrComment(raw)) continue;
      if (raw.replace(LEADING_SPACE, '').startsWith('%')) {
        const word = FIRST_WORD.exec(raw)?.[1] ?? '';
        if (this.grammar.sections.has(word) || word === '%end' || word === '%include') {
          const args = this.split(raw, line, false) ?? [word];
          if (args[0] === '%end') {
            this.endSection(headerLine, name, content);
            this.lastEnd = line;
            return i + 1;
          }
          if (args[0] === '%include') {
            this.include(line, args, script ? 'script' : 'packages');
            continue;
          }
          if (args[0] !== undefined && this.grammar.sections.has(args[0])) {
            this.add(line, 'error', 'UNTERMINATED_SECTION', `${name} (line ${headerLine}) has no %end before ${args[0]}${script
              ? `: a script line starting with ${args[0]} is read as a new section; print it with printf '%s\\n' '${args[0]}'`
              : ''}`);
            return i;
          }
        }
      }
      if (name === '%packages') this.packageLine(line, raw);
      content += raw;
    }
    this.add(Math.max(lines.length, 1), 'error', 'UNTERMINATED_SECTION', `${name} (line ${headerLine}) does not end with %end`);
    return lines.length;
  }

  private endSection(headerLine: number, name: string, content: string): void {
    if (name === '%certificate' && content.trim() === '') this.add(headerLine, 'error', 'EMPTY_SECTION', 'the %certificate section is empty');
  }

  private packageLine(line: number, raw: string): void {
    const text = raw.split('#')[0]!.trim();
    if (text === '-' || text === '' || text === '@^' || text === '-@') {
      this.add(line, 'error', 'PACKAGE_LINE', `"${text}" names no package or group`);
      return;
    }
    if (text.startsWith('@') && !text.startsWith('@^')) {
      const words = text.slice(1).split(/\s+/);
      if (words.includes('--nodefaults') && words.includes('--optional')) {
        this.add(line, 'error', 'PACKAGE_LINE', 'a group cannot take both --nodefaults and --optional');
      }
    }
  }

  private command(line: number, args: string[]): void {
    const name = args[0]!;
    const version = this.grammar.version;
    const spec = this.grammar.commands.get(name);
    if (!spec) {
      const elsewhere = KICKSTART_VERSIONS.filter((v) => grammarFor(v).commands.get(name)?.status === 'ok');
      this.add(line, 'error', 'UNKNOWN_COMMAND', `unknown command ${name} in ${version}${elsewhere.length ? ` (it exists in ${elsewhere.join(', ')})` : ''}`);
      return;
    }
    const canonical = SAME_COMMAND[name] ?? name;
    for (const other of spec.conflicts) {
      const first = this.seen.get(SAME_COMMAND[other] ?? other);
      if (first) this.add(line, 'error', 'CONFLICTING_COMMANDS', `${name} cannot be used together with ${first.name} (line ${first.line})`);
    }
    const before = this.seen.get(canonical);
    if (!before) this.seen.set(canonical, { line, name });
    if (spec.status === 'removed') {
      this.add(line, 'error', 'REMOVED_COMMAND', `${name} has been removed in ${version}`);
      return;
    }
    if (spec.status === 'deprecated') {
      this.add(line, 'warning', 'DEPRECATED_COMMAND', `${name} is deprecated in ${version} (pykickstart warns)`);
      return;
    }
    if (before && !spec.multi) {
      this.add(line, 'warning', 'DUPLICATE_COMMAND', `${name} repeats ${before.name} from line ${before.line}: Anaconda keeps only the last one`);
    }
    if (spec.free) return;
    const parsed = parseArgs(args.slice(1), spec.options, name, version);
    for (const p of parsed.problems) this.add(line, p.severity, p.code, p.message);
    const n = parsed.positionals.length;
    if (n < spec.minArgs) {
      this.add(line, 'error', 'BAD_ARGUMENTS', `${name} needs ${spec.minArgs} argument${spec.minArgs === 1 ? '' : 's'} besides its options`);
    } else if (n > spec.maxArgs) {
      this.add(line, 'error', 'BAD_ARGUMENTS', `${name}: unexpected argument${n - spec.maxArgs === 1 ? '' : 's'} ${parsed.positionals.slice(spec.maxArgs).join(' ')}`);
    }
    this.semantics(line, name, spec, parsed);
  }

  private semantics(line: number, name: string, spec: CommandSpec, parsed: ParsedArgs): void {
    const rule = ONE_OF[name];
    if (rule) {
      const used = rule.options.filter((o) => spec.options.has(o) && parsed.given.has(o));
      const known = rule.options.filter((o) => spec.options.has(o));
      if (rule.atLeastOne && used.length === 0) this.add(line, 'error', 'BAD_OPTION', `${name} needs one of ${known.join(', ')}`);
      if (rule.atMostOne && used.length > 1) this.add(line, 'error', 'BAD_OPTION', `${name} takes only one of ${used.join(', ')}`);
    }
    const problem = RULES[name]?.(parsed, this.grammar.version);
    if (problem) this.add(line, 'error', 'BAD_ARGUMENTS', problem);
    const key = ENTRY_KEY[SAME_COMMAND[name] ?? name]?.(parsed);
    if (key !== undefined) {
      const id = `${SAME_COMMAND[name] ?? name}\0${key}`;
      const first = this.entries.get(id);
      if (first) this.add(line, 'warning', 'DUPLICATE_ENTRY', `${name} ${key || '(no --device)'} is already defined at line ${first}`);
      else this.entries.set(id, line);
    }
  }
}

// ---------------------------------------------------------------- grammar tables
// Spec words: "removed" | "deprecated" | [free] p<min>[-<max>|-*] [+ multi-use] [x=conflicting,…] options;
// options: --name, --name= (value), --name=? (optional value), :int / :bool, {choice|…}, ! deprecated, * required.

// BEGIN GENERATED from pykickstart 3.74: do not edit; see "Regenerating the grammar" in docs/templates.md.
export const KICKSTART_VERSIONS = ['RHEL8', 'RHEL9', 'RHEL10', 'F40', 'F41', 'F42', 'F43', 'F44', 'F45'] as const;
const COMMANDS: Record<string, Array<[string, string]>> = {
  auth: [
    ['RHEL8 RHEL9', 'deprecated'],
    ['RHEL10 F40 F41 F42 F43 F44 F45', 'removed'],
  ],
  authconfig: [
    ['RHEL8 RHEL9', 'deprecated'],
    ['RHEL10 F40 F41 F42 F43 F44 F45', 'removed'],
  ],
  authselect: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'free p1-*']],
  autopart: [
    ['RHEL8 RHEL9', 'p0 x=partition,raid,volgroup,logvol,reqpart --backuppassphrase --cipher= --encrypted --escrowcert= --fstype= --luks-version= --noboot --nohome --nolvm --noswap --passphrase= --pbkdf-iterations=:int --pbkdf-memory=:int --pbkdf-time=:int --pbkdf= --type='],
    ['RHEL10 F40', 'p0 x=partition,raid,volgroup,logvol,reqpart --backuppassphrase --cipher= --encrypted --escrowcert= --fstype= --hibernation --luks-version= --noboot --nohome --nolvm --noswap --passphrase= --pbkdf-iterations=:int --pbkdf-memory=:int --pbkdf-time=:int --pbkdf= --type='],
    ['F41 F42 F43 F44 F45', 'p0 x=partition,raid,volgroup,logvol,reqpart --backuppassphrase --cipher= --encrypted --escrowcert= --fstype= --hibernation --hw-passphrase= --luks-version= --noboot --nohome --nolvm --noswap --passphrase= --pbkdf-iterations=:int --pbkdf-memory=:int --pbkdf-time=:int --pbkdf= --type='],
  ],
  autostep: [
    ['RHEL8', 'p0 --autoscreenshot'],
    ['RHEL9', 'deprecated'],
    ['RHEL10 F40 F41 F42 F43 F44 F45', 'removed'],
  ],
  bootc: [
    ['RHEL10 F43 F44', 'p0 x=ostreesetup,ostreecontainer --source-imgref=* --stateroot= --target-imgref='],
    ['F45', 'p0 x=ostreesetup,ostreecontainer --bootloader= --composefs --source-imgref=* --stateroot= --target-imgref='],
  ],
  bootloader: [
    ['RHEL8', 'p0 --append= --boot-drive= --default= --disabled --driveorder= --extlinux --iscrypted --leavebootorder --location={mbr|partition|none|boot} --md5pass= --nombr --password= --timeout=:int --upgrade!'],
    ['RHEL9', 'p0 --append= --boot-drive= --default= --disabled --driveorder= --extlinux --iscrypted --leavebootorder --location={mbr|partition|none|boot} --md5pass= --nombr --password= --timeout=:int'],
    ['RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --append= --boot-drive= --default= --disabled --driveorder= --extlinux --iscrypted --leavebootorder --location={mbr|partition|none|boot} --md5pass= --nombr --password= --sdboot --timeout=:int'],
  ],
  btrfs: [
    ['RHEL8 RHEL9', 'deprecated'],
    ['RHEL10', 'removed'],
    ['F40 F41 F42 F43 F44 F45', 'p0-* + --data= --label= --metadata= --mkfsoptions= --name= --noformat --parent= --subvol --useexisting'],
  ],
  cdrom: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0']],
  clearpart: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --all --cdl --disklabel= --drives= --initlabel --linux --list= --none']],
  cmdline: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --non-interactive']],
  device: [
    ['RHEL8', 'deprecated'],
    ['RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'removed'],
  ],
  deviceprobe: [
    ['RHEL8', 'deprecated'],
    ['RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'removed'],
  ],
  dmraid: [
    ['RHEL8', 'deprecated'],
    ['RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'removed'],
  ],
  driverdisk: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0-* + --biospart= --source=']],
  eula: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --accept --accepted --agree --agreed']],
  fcoe: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 + --autovlan --dcb --nic=*']],
  firewall: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --disable --disabled --enable --enabled --ftp --http --port= --remove-service= --service= --smtp --ssh --trust= --use-system-defaults']],
  firstboot: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --disable --disabled --enable --enabled --reconfig']],
  graphical: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --non-interactive']],
  group: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 + --gid=:int --name=*']],
  halt: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --eject --kexec']],
  harddrive: [
    ['RHEL8', 'p0 --biospart= --dir=* --partition='],
    ['RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --dir=* --partition=*'],
  ],
  hmc: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0']],
  ignoredisk: [
    ['RHEL8', 'p0 --drives= --interactive! --only-use='],
    ['RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --drives= --only-use='],
  ],
  install: [
    ['RHEL8', 'deprecated'],
    ['RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'removed'],
  ],
  iscsi: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 + --iface= --ipaddr=* --password= --port=:int --reverse-password= --reverse-user= --target= --user=']],
  iscsiname: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p1']],
  keyboard: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0-* --switch= --vckeymap= --xlayouts=']],
  lang: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p1 --addsupport=']],
  liveimg: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --checksum= --noverifyssl --proxy= --url=*']],
  logging: [
    ['RHEL8', 'p0 --host= --level={debug|info|warning|error|critical} --port='],
    ['RHEL9', 'p0 --host= --level=! --port='],
    ['RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --host= --port='],
  ],
  logvol: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p1 + x=autopart,mount --backuppassphrase --cachemode= --cachepvs= --cachesize=:int --chunksize=:int --cipher= --encrypted --escrowcert= --fsoptions= --fsprofile= --fstype= --grow --hibernation --label= --luks-version= --maxsize=:int --metadatasize=:int --mkfsoptions= --name=* --noformat --passphrase= --pbkdf-iterations=:int --pbkdf-memory=:int --pbkdf-time=:int --pbkdf= --percent=:int --poolname= --profile= --recommended --resize --size=:int --thin --thinpool --useexisting --vgname=*']],
  mediacheck: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0']],
  method: [
    ['RHEL8 RHEL10 F40 F41 F42 F43 F44 F45', 'removed'],
    ['RHEL9', 'deprecated'],
  ],
  module: [
    ['RHEL8 RHEL9 F40', 'p0 + --disable --name=* --stream='],
    ['RHEL10 F41 F42 F43 F44', 'deprecated'],
    ['F45', 'removed'],
  ],
  mount: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p2 + x=autopart,partition,raid,volgroup,logvol,reqpart --mkfsoptions= --mountoptions= --reformat=?']],
  multipath: [
    ['RHEL8', 'deprecated'],
    ['RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'removed'],
  ],
  network: [
    ['RHEL8', 'p0 + --activate --bindto={mac} --bondopts= --bondslaves= --bootproto={dhcp|bootp|static|query|ibft} --bridgeopts= --bridgeslaves= --device= --dhcpclass= --essid= --ethtool= --gateway= --hostname= --interfacename= --ip= --ipv6= --ipv6gateway= --mtu= --nameserver= --netmask= --no-activate --nodefroute --nodns --noipv4 --noipv6 --notksdevice --onboot=:bool --teamconfig= --teamslaves= --vlanid= --wepkey= --wpakey='],
    ['RHEL9 F40 F41 F42 F43 F44 F45', 'p0 + --activate --bindto={mac} --bondopts= --bondslaves= --bootproto={dhcp|bootp|static|query|ibft} --bridgeopts= --bridgeslaves= --device= --dhcpclass= --essid= --ethtool= --gateway= --hostname= --interfacename= --ip= --ipv4-dns-search= --ipv4-ignore-auto-dns --ipv6-dns-search= --ipv6-ignore-auto-dns --ipv6= --ipv6gateway= --mtu= --nameserver= --netmask= --no-activate --nodefroute --nodns --noipv4 --noipv6 --notksdevice --onboot=:bool --teamconfig= --teamslaves= --vlanid= --wepkey= --wpakey='],
    ['RHEL10', 'p0 + --activate --bindto={mac} --bondopts= --bondslaves= --bootproto={dhcp|bootp|static|query|ibft} --bridgeopts= --bridgeslaves= --device= --dhcpclass= --essid= --ethtool= --gateway= --hostname= --interfacename= --ip= --ipv4-dns-search= --ipv4-ignore-auto-dns --ipv6-dns-search= --ipv6-ignore-auto-dns --ipv6= --ipv6gateway= --mtu= --nameserver= --netmask= --no-activate --nodefroute --nodns --noipv4 --noipv6 --notksdevice --onboot=:bool --teamconfig=! --teamslaves=! --vlanid= --wepkey= --wpakey='],
  ],
  nfs: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --dir=* --opts= --server=*']],
  nvdimm: [
    ['RHEL8 RHEL9', 'p1 + --blockdevs= --mode={sector} --namespace= --sectorsize=:int'],
    ['RHEL10 F45', 'removed'],
    ['F40 F41 F42 F43 F44', 'deprecated'],
  ],
  ostreecontainer: [
    ['RHEL9 F40 F41 F42', 'p0 x=ostreesetup --no-signature-verification --remote= --stateroot= --transport= --url=*'],
    ['RHEL10 F43 F44 F45', 'p0 x=ostreesetup,bootc --no-signature-verification --remote= --stateroot= --transport= --url=*'],
  ],
  ostreesetup: [
    ['RHEL8 RHEL9', 'p0 --nogpg --osname=* --ref=* --remote= --url=*'],
    ['RHEL10 F43 F44 F45', 'p0 x=ostreecontainer,bootc --nogpg --osname=* --ref=* --remote= --url=*'],
    ['F40 F41 F42', 'p0 x=ostreecontainer --nogpg --osname=* --ref=* --remote= --url=*'],
  ],
  part: [
    ['RHEL8', 'p1 + x=autopart,mount --active! --asprimary --backuppassphrase --cipher= --encrypted --escrowcert= --fsoptions= --fsprofile= --fstype= --grow --hibernation --label= --luks-version= --maxsize=:int --mkfsoptions= --noformat --onbiosdisk= --ondisk= --ondrive= --onpart= --passphrase= --pbkdf-iterations=:int --pbkdf-memory=:int --pbkdf-time=:int --pbkdf= --recommended --resize --size=:int --type= --usepart='],
    ['RHEL9 RHEL10 F40', 'p1 + x=autopart,mount --asprimary --backuppassphrase --cipher= --encrypted --escrowcert= --fsoptions= --fsprofile= --fstype= --grow --hibernation --label= --luks-version= --maxsize=:int --mkfsoptions= --noformat --onbiosdisk= --ondisk= --ondrive= --onpart= --passphrase= --pbkdf-iterations=:int --pbkdf-memory=:int --pbkdf-time=:int --pbkdf= --recommended --resize --size=:int --type= --usepart='],
    ['F41 F42 F43 F44 F45', 'p1 + x=autopart,mount --asprimary --backuppassphrase --cipher= --encrypted --escrowcert= --fsoptions= --fsprofile= --fstype= --grow --hibernation --hw-passphrase= --label= --luks-version= --maxsize=:int --mkfsoptions= --noformat --onbiosdisk= --ondisk= --ondrive= --onpart= --passphrase= --pbkdf-iterations=:int --pbkdf-memory=:int --pbkdf-time=:int --pbkdf= --recommended --resize --size=:int --type= --usepart='],
  ],
  partition: [
    ['RHEL8', 'p1 + x=autopart,mount --active! --asprimary --backuppassphrase --cipher= --encrypted --escrowcert= --fsoptions= --fsprofile= --fstype= --grow --hibernation --label= --luks-version= --maxsize=:int --mkfsoptions= --noformat --onbiosdisk= --ondisk= --ondrive= --onpart= --passphrase= --pbkdf-iterations=:int --pbkdf-memory=:int --pbkdf-time=:int --pbkdf= --recommended --resize --size=:int --type= --usepart='],
    ['RHEL9 RHEL10 F40', 'p1 + x=autopart,mount --asprimary --backuppassphrase --cipher= --encrypted --escrowcert= --fsoptions= --fsprofile= --fstype= --grow --hibernation --label= --luks-version= --maxsize=:int --mkfsoptions= --noformat --onbiosdisk= --ondisk= --ondrive= --onpart= --passphrase= --pbkdf-iterations=:int --pbkdf-memory=:int --pbkdf-time=:int --pbkdf= --recommended --resize --size=:int --type= --usepart='],
    ['F41 F42 F43 F44 F45', 'p1 + x=autopart,mount --asprimary --backuppassphrase --cipher= --encrypted --escrowcert= --fsoptions= --fsprofile= --fstype= --grow --hibernation --hw-passphrase= --label= --luks-version= --maxsize=:int --mkfsoptions= --noformat --onbiosdisk= --ondisk= --ondrive= --onpart= --passphrase= --pbkdf-iterations=:int --pbkdf-memory=:int --pbkdf-time=:int --pbkdf= --recommended --resize --size=:int --type= --usepart='],
  ],
  poweroff: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --eject --kexec']],
  raid: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p1-* + x=autopart,mount --backuppassphrase --chunksize=:int --cipher= --device=* --encrypted --escrowcert= --fsoptions= --fsprofile= --fstype= --label= --level= --luks-version= --mkfsoptions= --noformat --passphrase= --pbkdf-iterations=:int --pbkdf-memory=:int --pbkdf-time=:int --pbkdf= --spares=:int --useexisting']],
  rdp: [['RHEL10 F43 F44 F45', 'p0 --password= --username=']],
  realm: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p1']],
  reboot: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --eject --kexec']],
  repo: [
    ['RHEL8', 'p0 + --baseurl= --cost=:int --excludepkgs= --ignoregroups=:bool --includepkgs= --install --metalink= --mirrorlist= --name=* --noverifyssl --proxy= --sslcacert= --sslclientcert= --sslclientkey='],
    ['RHEL9', 'p0 + --baseurl= --cost=:int --excludepkgs= --ignoregroups=:bool! --includepkgs= --install --metalink= --mirrorlist= --name=* --noverifyssl --proxy= --sslcacert= --sslclientcert= --sslclientkey='],
    ['RHEL10 F40 F41 F42 F43 F44 F45', 'p0 + --baseurl= --cost=:int --excludepkgs= --includepkgs= --install --metalink= --mirrorlist= --name=* --noverifyssl --proxy= --sslcacert= --sslclientcert= --sslclientkey='],
  ],
  reqpart: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 x=autopart,mount --add-boot']],
  rescue: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --nomount --romount']],
  rhsm: [
    ['RHEL8 RHEL9', 'p0 --activation-key=* --connect-to-insights --organization=* --proxy= --rhsm-baseurl= --server-hostname='],
    ['RHEL10', 'p0 --activation-key=* --connect-to-insights --flatpak-registry-url= --organization=* --proxy= --rhsm-baseurl= --server-hostname='],
  ],
  rootpw: [
    ['RHEL8', 'p0-1 --iscrypted --lock --plaintext'],
    ['RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0-1 --allow-ssh --iscrypted --lock --plaintext'],
  ],
  selinux: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --disabled --enforcing --permissive']],
  services: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --disabled= --enabled=']],
  shutdown: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --eject --kexec']],
  skipx: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0']],
  snapshot: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p1 + --name=* --when=*']],
  sshkey: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p1 + --username=*']],
  sshpw: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0-* + --iscrypted --lock --plaintext --sshkey --username=*']],
  syspurpose: [['RHEL8 RHEL9 RHEL10', 'p0 --addon= --role= --sla= --usage=']],
  text: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --non-interactive']],
  timesource: [['RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 + --ntp-disable --ntp-pool= --ntp-server= --nts']],
  timezone: [
    ['RHEL8', 'p0-* --isUtc --nontp --ntpservers= --utc'],
    ['RHEL9 F40 F41 F42 F43 F44 F45', 'p0-* --isUtc! --nontp! --ntpservers=! --utc'],
    ['RHEL10', 'p0-* --utc'],
  ],
  updates: [
    ['RHEL8', 'p0-*'],
    ['RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p1'],
  ],
  url: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --metalink= --mirrorlist= --noverifyssl --proxy= --sslcacert= --sslclientcert= --sslclientkey= --url=']],
  user: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 + --gecos= --gid=:int --groups= --homedir= --iscrypted --lock --name=* --password= --plaintext --shell= --uid=:int']],
  vnc: [
    ['RHEL8 RHEL9 F40 F41 F42', 'p0 --host= --password= --port='],
    ['RHEL10 F43 F44', 'deprecated'],
    ['F45', 'removed'],
  ],
  volgroup: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0-* + x=autopart,mount --noformat --pesize=:int --reserved-percent=:int --reserved-space=:int --useexisting']],
  xconfig: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --defaultdesktop= --startxonboot']],
  zerombr: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0']],
  zfcp: [
    ['RHEL8', 'p0 + --devnum=* --fcplun=* --wwpn=*'],
    ['RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 + --devnum=* --fcplun= --wwpn='],
  ],
  zipl: [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'p0 --force-secure-boot --no-secure-boot --secure-boot']],
};
const SECTIONS: Record<string, Array<[string, string]>> = {
  '%certificate': [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', '--dir= --filename=* --type=']],
  '%onerror': [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', '--erroronfail --interpreter= --log= --logfile=']],
  '%packages': [
    ['RHEL8', '--default --excludeWeakdeps --excludedocs --ignoremissing --instLangs= --multilib --nocore --retries=:int --timeout=:int'],
    ['RHEL9', '--default --exclude-weakdeps --excludeWeakdeps! --excludedocs --ignoremissing --inst-langs= --instLangs=! --multilib --nocore --retries=:int --timeout=:int'],
    ['RHEL10', '--default --exclude-weakdeps --excludedocs --ignoremissing --inst-langs= --multilib --nocore --retries=:int --timeout=:int'],
    ['F40 F41 F42 F43 F44 F45', '--default --exclude-weakdeps --excludeWeakdeps! --excludedocs --ignorebroken --ignoremissing --inst-langs= --instLangs=! --multilib --nocore --retries=:int --timeout=:int'],
  ],
  '%post': [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', '--erroronfail --interpreter= --log= --logfile= --nochroot']],
  '%pre': [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', '--erroronfail --interpreter= --log= --logfile=']],
  '%pre-install': [['RHEL8 RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', '--erroronfail --interpreter= --log= --logfile=']],
  '%traceback': [
    ['RHEL8', '--erroronfail --interpreter= --log= --logfile='],
    ['RHEL9 RHEL10 F40 F41 F42 F43 F44 F45', 'deprecated --erroronfail --interpreter= --log= --logfile='],
  ],
};
const SAME_COMMAND: Record<string, string> = {authconfig: 'auth', graphical: 'cmdline', partition: 'part', poweroff: 'halt', reboot: 'halt', shutdown: 'halt', text: 'cmdline'};
// END GENERATED
