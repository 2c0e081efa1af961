import { describe, expect, it } from 'vitest';
import { DocumentCorrupt, jsonErrorOffset, parseDocument } from '../../src/store/file/document-file.js';

const SAMPLE = JSON.stringify(
  {
    format: 2,
    profiles: { web: { name: 'web', params: { disk: 'sda', n: -1.5e3, ok: true, no: false, none: null } } },
    rules: {},
    users: { ann: { name: 'ann', tokens: ['a\\"b', 'é ü'] } },
    audit: [1, 2, 3],
  },
  null,
  2,
);

describe('kickstand.json parse errors', () => {
  it('When the file is damaged anywhere, then the offset found agrees with V8 wherever V8 gives one', () => {
    let checked = 0;
    for (let at = 0; at < SAMPLE.length; at++) {
      for (const text of [
        SAMPLE.slice(0, at),
        `${SAMPLE.slice(0, at)}#${SAMPLE.slice(at + 1)}`,
        `${SAMPLE.slice(0, at)}${SAMPLE.slice(at + 1)}`,
      ]) {
        let message: string;
        try {
          JSON.parse(text);
          continue;
        } catch (err) {
          message = (err as Error).message;
        }
        const offset = jsonErrorOffset(text);
        const v8 = /at position (\d+)/.exec(message);
        if (v8) expect(offset, `${JSON.stringify(text)}: ${message}`).toBe(Number(v8[1]));
        else if (message.startsWith('Unexpected end')) expect(offset).toBe(text.length);
        else expect(offset).toBeLessThan(text.length);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('When a line is damaged, then the error names the file, line, column and byte offset, without quoting the file', () => {
    const text = '{\n  "format": 2,\n  "é": x\n}';
    let err: unknown;
    try {
      parseDocument('/data/kickstand.json', text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DocumentCorrupt);
    expect((err as Error).message).toBe("/data/kickstand.json: line 3, column 8 (byte offset 25) is not valid JSON: Unexpected token 'x'");
  });

  it('When the file ends too early, then the error says so and points at its end', () => {
    expect(() => parseDocument('k.json', '{"a":[1,')).toThrow(
      'k.json: line 1, column 9 (byte offset 8) is not valid JSON: Unexpected end of JSON input (the file ends too early)',
    );
    expect(() => parseDocument('k.json', '')).toThrow('line 1, column 1 (byte offset 0)');
  });
});
