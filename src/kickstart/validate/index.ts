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
// Each version's commands, options and sections come from grammar-data.generated.ts, printed by
// tools/kickstart_grammar.py from a pykickstart checkout (docs/templates.md, "Regenerating the grammar").
export type { Finding, FindingCode } from './findings.js';
export { KICKSTART_VERSIONS } from './grammar-data.generated.js';
export { kickstartCommands, type CommandSpec, type OptionSpec } from './grammar.js';
export { splitKickstartLines } from './lines.js';
export { ShlexError, shlexSplit } from './shlex.js';
export { validateKickstart, type ValidateOptions } from './validator.js';
export { declaredVersion, kickstartVersion, type KickstartVersion } from './versions.js';
