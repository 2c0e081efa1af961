// KICKSTAND_LOG_FORMAT=pretty: a line a person reads, with the same redaction as the JSON one.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

function sink() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

const SECRET = 'tok-3f9a1c77e0d24b6b';
const PASSWORD = 'hunter2-but-longer';

describe('log format', () => {
  it('When the format is pretty, then the line is not JSON, carries level and message, and still redacts tokens and passwords', () => {
    const out = sink();
    const log = createLogger('info', out.stream, 'pretty');
    log.warn(
      { host: 'h0000001', token: SECRET, user: { password: PASSWORD }, headers: { authorization: `Bearer ${SECRET}` } },
      'host failed',
    );
    const text = out.text();
    expect(text).toMatch(/WARN/);
    expect(text).toContain('host failed');
    expect(text).toContain('h0000001');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(PASSWORD);
    expect(() => JSON.parse(text.split('\n')[0]!)).toThrow();
  });

  it('When the format is json, then each line is one JSON object with the same redaction', () => {
    const out = sink();
    createLogger('info', out.stream, 'json').info({ token: SECRET, password: PASSWORD }, 'hello');
    const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: 'hello', token: '[redacted]', password: '[redacted]' });
  });
});
