// SHA-512 crypt ($6$), as specified by Ulrich Drepper ("Unix crypt using SHA-256 and SHA-512") and
// implemented by glibc: what `rootpw --iscrypted` and `user --iscrypted` expect. Written on node:crypto
// because the npm packages for it are unmaintained or native; checked against the specification's
// vectors, glibc (python's crypt) and `openssl passwd -6` in test/kickstart/sha512-crypt.test.ts.
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DEFAULT_ROUNDS = 5000;
const MIN_ROUNDS = 1000;
const MAX_ROUNDS = 999_999_999;

// The order in which the 64 digest bytes are spread over the 86 output characters (from the spec).
const ORDER = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
] as const;

function sha512(...parts: Buffer[]): Buffer {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** `length` bytes of `block` repeated. */
function stretch(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += block.length) block.copy(out, i, 0, Math.min(block.length, length - i));
  return out;
}

function encode24(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let s = '';
  for (let i = 0; i < n; i++) {
    s += ALPHABET[w & 0x3f]!;
    w >>>= 6;
  }
  return s;
}

/** A random 16-character salt from the crypt alphabet. */
export function randomSalt(): string {
  return [...randomBytes(16)].map((b) => ALPHABET[b & 0x3f]).join('');
}

/** crypt(3) with a `$6$[rounds=N$]salt` setting, or a bare salt (default rounds). */
export function sha512Crypt(password: string, setting: string = randomSalt()): string {
  let rest = setting.startsWith('$6$') ? setting.slice(3) : setting;
  let rounds = DEFAULT_ROUNDS;
  let customRounds = false;
  const m = /^rounds=(\d+)\$/.exec(rest);
  if (m) {
    rounds = Math.min(MAX_ROUNDS, Math.max(MIN_ROUNDS, Number(m[1])));
    customRounds = true;
    rest = rest.slice(m[0].length);
  }
  const saltText = rest.split('$')[0]!.slice(0, 16);
  const P = Buffer.from(password, 'utf-8');
  const S = Buffer.from(saltText, 'utf-8');

  const B = sha512(P, S, P);
  const a = createHash('sha512').update(P).update(S);
  let i = P.length;
  for (; i > 64; i -= 64) a.update(B);
  a.update(B.subarray(0, i));
  for (let n = P.length; n > 0; n >>= 1) a.update(n & 1 ? B : P);
  const A = a.digest();

  const pBytes = stretch(sha512(...Array<Buffer>(P.length).fill(P)), P.length);
  const sBytes = stretch(sha512(...Array<Buffer>(16 + A[0]!).fill(S)), S.length);

  let C = A;
  for (let r = 0; r < rounds; r++) {
    const h = createHash('sha512');
    h.update(r & 1 ? pBytes : C);
    if (r % 3) h.update(sBytes);
    if (r % 7) h.update(pBytes);
    h.update(r & 1 ? C : pBytes);
    C = h.digest();
  }

  let out = ORDER.map(([x, y, z]) => encode24(C[x]!, C[y]!, C[z]!, 4)).join('');
  out += encode24(0, 0, C[63]!, 2);
  return `$6$${customRounds ? `rounds=${rounds}$` : ''}${saltText}$${out}`;
}

const CRYPT = /^\$(?:1|2[aby]|5|6|7|y|gy)\$[./0-9A-Za-z$=,]+$/;

/** A crypt(3) hash `rootpw --iscrypted` takes as it is (`$6$…`, `$y$…`, `$5$…`…). */
export function isCryptHash(value: string): boolean {
  return CRYPT.test(value);
}
