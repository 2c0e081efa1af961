// Hostile input, long version (`npm run test:faults`): the quick fuzzing of test/security/fuzz.test.ts
// with six times the runs per route and input class, and the production server timeouts checked at
// their real values (the quick limits test shortens them).
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { SERVER_TIMEOUTS } from '../../src/server.js';
import { fuzzAndCheck } from '../support/fuzz-harness.js';
import { startHostileServer } from '../support/hostile-server.js';

describe('fuzzing every route (long)', () => {
  it('When every route gets six times the quick run of hostile inputs, then no answer is a 5xx or outside the error catalog, the service stays up and memory stays bounded', async () => {
    const { report, problems } = await fuzzAndCheck(
      'long',
      { valid: 90, mutated: 150, 'random-json': 48, 'raw-bytes': 48, params: 48 },
      { heapGrowthMiB: 96, rssGrowthMiB: 512 },
    );
    expect(problems).toEqual([]);
    expect(report.totalInputs).toBeGreaterThan(12_000);
    // Room, not a speed target: ~100 s on a quiet 2-core machine, twice that when CI shares it.
  }, 480_000);
});

describe('production timeouts', () => {
  it('When a client sends its headers one byte a second, then the production server cuts it off about headersTimeout after it connected', async () => {
    const srv = await startHostileServer();
    try {
      const socket = net.connect(Number(new URL(srv.url).port), '127.0.0.1');
      const started = Date.now();
      const request = `GET /ks HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(60)}`;
      let sent = 0;
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      const drip = setInterval(() => {
        if (sent < request.length && socket.writable) socket.write(request[sent++]!);
      }, 1000);
      const closedAfter = await new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
      clearInterval(drip);
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(closedAfter).toBeGreaterThanOrEqual(SERVER_TIMEOUTS.headersMs - 100);
      expect(closedAfter).toBeLessThan(SERVER_TIMEOUTS.headersMs + SERVER_TIMEOUTS.checkEveryMs + 1500);
    } finally {
      await srv.stop();
    }
  }, 30_000);
});
