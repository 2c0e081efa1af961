// The validator: pykickstart's parser state machine (parser.py's _stateMachine and _readSection),
// walking a kickstart line by line and reporting what ksvalidator would refuse or warn about.
import { ENTRY_KEY, ONE_OF, RULES } from './command-rules.js';
import type { Finding, FindingCode } from './findings.js';
import { KICKSTART_VERSIONS, SAME_COMMAND } from './grammar-data.generated.js';
import { grammarFor, NULL_SECTIONS, type CommandSpec, type Grammar, type SectionSpec } from './grammar.js';
import { FIRST_WORD, isBlankOrComment, LEADING_SPACE, splitKickstartLines } from './lines.js';
import { parseArgs, type ParsedArgs } from './options.js';
import { shlexSplit } from './shlex.js';
import type { KickstartVersion } from './versions.js';
import { messageOf } from '../../errors.js';

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

const SCRIPT_SECTIONS = new Set(['%pre', '%pre-install', '%post', '%onerror', '%traceback']);
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
        this.add(
          line,
          'warning',
          'KSAPPEND',
          this.included
            ? '%ksappend is ignored here: only the kickstart dracut fetches has its %ksappend lines expanded'
            : `%ksappend ${args[1] ?? ''}: the appended file is fetched by the installer and not checked here`,
        );
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
      this.add(line, 'error', 'SYNTAX', `${messageOf(err)} (kickstart lines are split like a shell command)`);
      return undefined;
    }
  }

  private include(line: number, args: string[], where: string): void {
    if (!args[1]) {
      this.add(line, 'error', 'SYNTAX', '%include needs a file name');
    } else if (where === 'script') {
      this.add(
        line,
        'error',
        'INCLUDE_IN_SECTION',
        `%include inside a script is read by Anaconda as an include, not as script text; build the line with printf '%s\\n' '%include'`,
      );
    } else {
      this.add(
        line,
        'warning',
        'INCLUDE',
        `%include ${args[1]}: the included file is not checked here, and Anaconda stops if it is missing`,
      );
    }
  }

  /** A section header at `line` (lines[next] is the first body line); returns the index after it. */
  private section(lines: string[], next: number, line: number, args: string[]): number {
    const name = args[0]!;
    if (name === '%end') {
      this.add(
        line,
        'error',
        'STRAY_END',
        `%end without an open section${this.lastEnd ? ` (the section before closed at line ${this.lastEnd}: does a script line there start with %end?)` : ''}`,
      );
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
      this.add(
        line,
        'warning',
        'DEPRECATED_SECTION',
        `${name} is deprecated in ${this.grammar.version}${name === '%traceback' ? '; use %onerror' : ''}`,
      );
    }
    if (name === '%pre' && this.included) {
      this.add(
        line,
        'warning',
        'PRE_IN_INCLUDED',
        '%pre in a kickstart read through %include never runs: Anaconda runs every %pre before it reads the include',
      );
    }
    if (NULL_SECTIONS.includes(name)) return;
    const parsed = parseArgs(args.slice(1), spec.options, name, this.grammar.version);
    for (const p of parsed.problems)
      this.add(line, p.severity, p.code === 'UNKNOWN_OPTION' || p.code === 'BAD_OPTION' ? 'SECTION_OPTION' : p.code, p.message);
    if (parsed.positionals.length > 0)
      this.add(line, 'error', 'SECTION_OPTION', `${name}: unexpected argument ${parsed.positionals.join(' ')}`);
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
            this.add(
              line,
              'error',
              'UNTERMINATED_SECTION',
              `${name} (line ${headerLine}) has no %end before ${args[0]}${
                script ? `: a script line starting with ${args[0]} is read as a new section; print it with printf '%s\\n' '${args[0]}'` : ''
              }`,
            );
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
    if (name === '%certificate' && content.trim() === '')
      this.add(headerLine, 'error', 'EMPTY_SECTION', 'the %certificate section is empty');
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
      this.add(
        line,
        'error',
        'UNKNOWN_COMMAND',
        `unknown command ${name} in ${version}${elsewhere.length ? ` (it exists in ${elsewhere.join(', ')})` : ''}`,
      );
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
      this.add(
        line,
        'warning',
        'DUPLICATE_COMMAND',
        `${name} repeats ${before.name} from line ${before.line}: Anaconda keeps only the last one`,
      );
    }
    if (spec.free) return;
    const parsed = parseArgs(args.slice(1), spec.options, name, version);
    for (const p of parsed.problems) this.add(line, p.severity, p.code, p.message);
    const n = parsed.positionals.length;
    if (n < spec.minArgs) {
      this.add(
        line,
        'error',
        'BAD_ARGUMENTS',
        `${name} needs ${spec.minArgs} argument${spec.minArgs === 1 ? '' : 's'} besides its options`,
      );
    } else if (n > spec.maxArgs) {
      this.add(
        line,
        'error',
        'BAD_ARGUMENTS',
        `${name}: unexpected argument${n - spec.maxArgs === 1 ? '' : 's'} ${parsed.positionals.slice(spec.maxArgs).join(' ')}`,
      );
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
