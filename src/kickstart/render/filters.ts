// Filters for kickstart templates. Facts come from untrusted machines: anything from facts that lands
// in shell (%post bodies) goes through `shellquote`, anything on a kickstart command line through
// `ksarg`. Both refuse what no quoting can carry (NUL; newlines on a command line).
import type nunjucks from 'nunjucks';
import { isCryptHash, sha512Crypt } from '../sha512-crypt.js';

function text(value: unknown, filter: string): string {
  if (value === undefined || value === null) throw new Error(`${filter}: value is undefined`);
  if (typeof value === 'object') throw new Error(`${filter}: value is not a string or number`);
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects are refused above; what is left prints as itself
  const s = String(value);
  if (s.includes('\0')) throw new Error(`${filter}: value contains a NUL byte`);
  return s;
}

// Where pykickstart starts a new line (Python's str.splitlines), inside a %post as anywhere else.
const KS_LINE_BREAK = /(\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])/g;

/** Quote one value for POSIX shell: single quotes, each embedded quote closed, escaped, reopened.
 *  A multi-line value starts each of its lines with '' (an empty quoted string, nothing to the shell):
 *  pykickstart reads a %post line that starts with %end as the end of the script, so a fact holding
 *  "\n%end\n%post\n…" would otherwise add a script of the machine's choosing. */
export function shellquote(value: unknown): string {
  return `'${text(value, 'shellquote').replace(/'/g, `'\\''`).replace(KS_LINE_BREAK, "$1''")}'`;
}

/** One argument on a kickstart command line. pykickstart splits lines with shlex (POSIX rules, `#`
 *  starts a comment), so plain values go as they are and anything else in single quotes. A newline
 *  would start a new kickstart command: refused. */
export function ksarg(value: unknown): string {
  const s = text(value, 'ksarg');
  if (/[\x00-\x1f\x7f\x85\u2028\u2029]/.test(s)) throw new Error('ksarg: value contains a newline or control character');
  return /^[A-Za-z0-9_@%+=:,./$-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
}

/** A crypt(3) hash for rootpw/user --iscrypted: an existing hash passes through unchanged; a
 *  plaintext becomes SHA-512 crypt with a random salt (so each render differs: store hashes in
 *  params when byte-identical renders matter). */
export function pwhash(value: unknown, salt?: unknown): string {
  const s = text(value, 'pwhash');
  if (isCryptHash(s)) return s;
  return salt === undefined ? sha512Crypt(s) : sha512Crypt(s, `$6$${text(salt, 'pwhash salt')}`);
}

/** The disk to install on: the first that is neither removable nor on USB (the order the kernel
 *  named them, as the %pre reported them). Fails the render when there is none. */
export function installDisk(disks: unknown): string {
  const list = Array.isArray(disks) ? (disks as { name?: unknown; removable?: unknown; transport?: unknown }[]) : [];
  const disk = list.find((d) => typeof d.name === 'string' && d.removable !== true && d.transport !== 'usb');
  if (!disk) throw new Error('install_disk: the host reported no fixed disk (set params.disk)');
  return disk.name as string;
}

export function installFilters(env: nunjucks.Environment): void {
  env.addFilter('install_disk', installDisk);
  env.addFilter('shellquote', shellquote);
  env.addFilter('ksarg', ksarg);
  env.addFilter('pwhash', pwhash);
}
