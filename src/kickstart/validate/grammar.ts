// The grammar of each kickstart version: what grammar-data.generated.ts says in its compact spec
// notation, read into maps of commands, options and sections the validator looks things up in.
// Spec words: "removed" | "deprecated" | [free] p<min>[-<max>|-*] [+ multi-use] [x=conflicting,…] options;
// options: --name, --name= (value), --name=? (optional value), :int / :bool, {choice|…}, ! deprecated, * required.
import { COMMANDS, KICKSTART_VERSIONS, SECTIONS } from './grammar-data.generated.js';
import type { KickstartVersion } from './versions.js';

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

export interface SectionSpec {
  deprecated: boolean;
  options: Map<string, OptionSpec>;
}

/** What one version accepts: its commands and its sections. */
export interface Grammar {
  version: KickstartVersion;
  commands: Map<string, CommandSpec>;
  sections: Map<string, SectionSpec>;
}

// Sections pykickstart knows but does not interpret; their bodies are taken verbatim.
export const NULL_SECTIONS = ['%addon', '%anaconda'];

const grammars = new Map<string, Grammar>();

/** The grammar of a version, read from the generated tables once and kept; throws for a version not known here. */
export function grammarFor(version: KickstartVersion): Grammar {
  if (!(KICKSTART_VERSIONS as readonly string[]).includes(version)) {
    throw new Error(`unknown kickstart version "${version}" (known: ${KICKSTART_VERSIONS.join(', ')})`);
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

function rowFor(rows: [string, string][], version: string): string | undefined {
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

/** The commands a version knows, with their options and argument counts (for tests and editors). */
export function kickstartCommands(version: KickstartVersion): ReadonlyMap<string, Readonly<CommandSpec>> {
  return grammarFor(version).commands;
}
