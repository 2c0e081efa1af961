// Filters for kickstart templates. Facts come from untrusted machines: anything from facts that lands
// in shell (%post bodies) or on a kickstart command line must go through `shellquote`.
import type nunjucks from 'nunjucks';

/** Quote one value for POSIX shell and for pykickstart's shlex-split command lines: single quotes,
 *  with each embedded quote closed, escaped and reopened. NUL cannot live in a shell word; refuse it. */
export function shellquote(value: unknown): string {
  if (value === undefined || value === null) throw new Error('shellquote: value is undefined');
  if (typeof value === 'object') throw new Error('shellquote: value is not a string or number');
  const s = String(value);
  if (s.includes('\0')) throw new Error('shellquote: value contains a NUL byte');
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function installFilters(env: nunjucks.Environment): void {
  env.addFilter('shellquote', shellquote);
}
