import { describe, expect, it } from 'vitest';
import { WriteCoalescer } from '../../src/store/file/write-coalescer.js';

describe('WriteCoalescer', () => {
  it('When 100 writes are requested at once, then they share at most two underlying writes', async () => {
    let writes = 0;
    const c = new WriteCoalescer(async () => {
      writes++;
      await new Promise((r) => setTimeout(r, 5));
    });
    await Promise.all(Array.from({ length: 100 }, () => c.request()));
    expect(writes).toBeLessThanOrEqual(2);
    expect(writes).toBeGreaterThanOrEqual(1);
  });

  it('When a change is requested during a write, then its promise waits for a later write', async () => {
    const log: string[] = [];
    let n = 0;
    const c = new WriteCoalescer(async () => {
      const me = ++n;
      log.push(`start ${me}`);
      await new Promise((r) => setTimeout(r, 10));
      log.push(`end ${me}`);
    });
    const first = c.request();
    await new Promise((r) => setTimeout(r, 3)); // first write is now running
    const second = c.request().then(() => log.push('second acked'));
    await Promise.all([first, second]);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'second acked']);
  });

  it('When a write fails, then only the callers of that write see the error and the next write still runs', async () => {
    let fail = true;
    const c = new WriteCoalescer(async () => {
      if (fail) throw new Error('disk full');
    });
    await expect(c.request()).rejects.toThrow('disk full');
    fail = false;
    await expect(c.request()).resolves.toBeUndefined();
  });
});
