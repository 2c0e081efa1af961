// Option parsing as pykickstart's KSOptionParser (argparse) does it: abbreviations, `--opt=value` and
// `--opt value`, negative numbers as positionals, int/boolean/choice values, required and deprecated
// options. Problems come back as findings without a line; the validator places them.
import type { FindingCode } from './findings.js';
import type { OptionSpec } from './grammar.js';

export interface Problem {
  severity: 'error' | 'warning';
  code: FindingCode;
  message: string;
}

export interface ParsedArgs {
  /** Option name → values given (a flag records ''). */
  given: Map<string, string[]>;
  positionals: string[];
  problems: Problem[];
}

const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

type OptionMatch =
  | { kind: 'option'; spec: OptionSpec; explicit?: string }
  | { kind: 'unknown' }
  | { kind: 'ambiguous'; names: string[] }
  | { kind: 'positional' };

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

/** A command's or section header's words after its name, parsed as its option parser would. */
export function parseArgs(words: string[], options: Map<string, OptionSpec>, where: string, version: string): ParsedArgs {
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
  if (spec.type === 'bool' && !/^(?:on|yes|true|1|off|no|false|0)$/i.test(value))
    return `"${value}" is not a boolean (yes/no, on/off, true/false, 1/0)`;
  if (spec.choices && !spec.choices.includes(value)) return `"${value}" is not one of ${spec.choices.join(', ')}`;
  return undefined;
}
