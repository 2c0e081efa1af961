// json_str must turn ANY byte string bash can hold (everything but NUL) into a valid JSON string: the
// facts come from firmware and disks, and one stray byte must not cost the machine its registration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSourced, sourcedPre, type PreWorkspace } from '../support/pre-script.js';
import type { RestrictedPath } from '../support/restricted-path.js';

let bin: RestrictedPath;
let ws: PreWorkspace;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ ws, bin, cleanup } = await sourcedPre());
});
afterAll(() => cleanup());

/** json_str each input (NUL-separated on stdin), one output line each; optional byte limit. */
async function jsonStr(inputs: Buffer[], max = 0): Promise<string[]> {
  for (const b of inputs) if (b.includes(0)) throw new Error('bash strings cannot hold NUL');
  const stdin = Buffer.concat(inputs.flatMap((b) => [b, Buffer.from([0])]));
  const res = await runSourced(
    ws.script,
    `while IFS= read -r -d '' v; do json_str "$v" ${max}; printf '\\n'; done`,
    bin.binDir,
    ws.env,
    stdin,
  );
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  const lines = res.stdout.toString('utf8').split('\n');
  expect(lines.pop()).toBe('');
  expect(lines).toHaveLength(inputs.length);
  return lines;
}

/** What a strict UTF-8 reader makes of the bytes: the WHATWG decoder, one U+FFFD per maximal invalid subpart. */
const decode = (b: Buffer) => new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(b);

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('json_str', () => {
  it('When given shell and JSON metacharacters, then the output parses back to the same string', async () => {
    const inputs = [
      'plain',
      '',
      ' ',
      'say "hi"',
      'back\\slash',
      '\\"',
      '$(reboot)',
      '`id`',
      "it's",
      '${x}{{ y }}',
      '%end',
      '[]{}:,',
      'a\nb',
      'tab\there',
      'cr\r\n',
      '\u007f',
    ];
    const out = await jsonStr(inputs.map((s) => Buffer.from(s)));
    out.forEach((line, i) => expect(JSON.parse(line)).toBe(inputs[i]));
  });

  it('When given every control character, then each is escaped and nothing raw reaches the output', async () => {
    const inputs = Array.from({ length: 31 }, (_, i) => Buffer.from([0x61, i + 1, 0x62]));
    inputs.push(Buffer.from([0x7f]));
    const out = await jsonStr(inputs);
    out.forEach((line, i) => {
      expect(line).not.toMatch(/[\x00-\x1f\x7f]/);
      expect(JSON.parse(line)).toBe(inputs[i]!.toString('latin1'));
    });
    expect(out[9]).toBe('"a\\nb"');
    expect(out[8]).toBe('"a\\tb"');
    expect(out[0]).toBe('"a\\u0001b"');
    expect(out[31]).toBe('"\\u007f"');
  });

  it('When given valid UTF-8 of every length, then it is copied through unchanged', async () => {
    const inputs = [
      'é',
      'Größe',
      '日本語ディスク',
      '€',
      '😀 emoji 🚀',
      'mixed é"\\\n😀',
      '\u0080\u07ff\u0800\uffff',
      '\u{10000}\u{10ffff}',
    ];
    const out = await jsonStr(inputs.map((s) => Buffer.from(s, 'utf8')));
    out.forEach((line, i) => {
      expect(JSON.parse(line)).toBe(inputs[i]);
      expect(line).not.toContain('\\u');
    });
  });

  it('When given invalid UTF-8, then each maximal invalid subpart becomes one U+FFFD, as a strict decoder reads it', async () => {
    const cases: [Buffer, string][] = [
      [bytes([0xff]), '\ufffd'],
      [bytes([0xc3]), '\ufffd'],
      [bytes('a', [0xc3], 'b'), 'a\ufffdb'],
      [bytes([0xc0, 0xaf]), '\ufffd\ufffd'], // overlong "/"
      [bytes([0xe0, 0x80, 0xaf]), '\ufffd\ufffd\ufffd'], // overlong, 3 bytes
      [bytes([0xf0, 0x80, 0x80, 0xaf]), '\ufffd\ufffd\ufffd\ufffd'], // overlong, 4 bytes
      [bytes([0xed, 0xa0, 0x80]), '\ufffd\ufffd\ufffd'], // UTF-16 surrogate
      [bytes([0xf4, 0x90, 0x80, 0x80]), '\ufffd\ufffd\ufffd\ufffd'], // above U+10FFFF
      [bytes([0xe2, 0x82]), '\ufffd'], // truncated €
      [bytes([0xe2, 0x82], 'x'), '\ufffdx'],
      [bytes([0xf0, 0x9f, 0x98]), '\ufffd'], // truncated emoji
      [bytes([0x80, 0xbf]), '\ufffd\ufffd'], // lone continuation bytes
      [bytes('ok', [0xf8, 0x88, 0x80, 0x80, 0x80]), 'ok\ufffd\ufffd\ufffd\ufffd\ufffd'],
      [bytes('"', [0xfe], '\\'), '"\ufffd\\'],
    ];
    const out = await jsonStr(cases.map(([b]) => b));
    out.forEach((line, i) => {
      const [input, expected] = cases[i]!;
      expect(JSON.parse(line), input.toString('hex')).toBe(expected);
      expect(decode(input)).toBe(expected); // the table agrees with the WHATWG decoder
    });
  });

  it('When given random bytes, then the output always parses and equals what a strict UTF-8 decoder reads', async () => {
    let seed = 0x5eed;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
    const inputs = Array.from({ length: 300 }, () => {
      const len = rand() % 40;
      // Bias towards the interesting bytes: controls, quote, backslash, and the 0x80-0xff range.
      return Buffer.from(
        Array.from({ length: len }, () => [1 + (rand() % 255), 0x80 + (rand() % 128), 0x22, 0x5c, 0xe2, 0xf0][rand() % 6]!),
      );
    });
    const out = await jsonStr(inputs);
    out.forEach((line, i) => expect(JSON.parse(line), inputs[i]!.toString('hex')).toBe(decode(inputs[i]!)));
  });

  it('When given a byte limit, then the value is cut to that many bytes before escaping, never beyond', async () => {
    const [short, cutUtf8, long] = await jsonStr([Buffer.from('abcdef'), Buffer.from('aé'), Buffer.from('x'.repeat(300))], 4);
    expect(JSON.parse(short!)).toBe('abcd');
    expect(JSON.parse(cutUtf8!)).toBe('aé');
    expect(JSON.parse(long!)).toBe('xxxx');
    const [cutMid] = await jsonStr([Buffer.from('aaé')], 3); // cuts é in half
    expect(JSON.parse(cutMid!)).toBe('aa\ufffd');
  });

  it('When called in a UTF-8 locale, then it escapes bytes alike and the caller keeps its locale afterwards', async () => {
    const snippet = `LC_ALL=C.UTF-8; json_str $'\\xc3\\xa9\\xff'; s=$'\\xc3\\xa9'; printf '|%s|%s' "$LC_ALL" "\${#s}"`;
    const res = await runSourced(ws.script, snippet, bin.binDir, ws.env);
    expect(res.stdout.toString()).toBe('"é\\ufffd"|C.UTF-8|1');
  });

  it('When the fast path is taken for plain ASCII, then a long value costs no per-byte loop', async () => {
    const t0 = Date.now();
    const res = await runSourced(
      ws.script,
      `s=$(printf 'a%.0s' {1..4096}); for i in {1..200}; do json_escape "$s" 4096; done; printf '%s' "\${#REPLY}"`,
      bin.binDir,
      ws.env,
    );
    expect(res.stdout.toString()).toBe('4098');
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
