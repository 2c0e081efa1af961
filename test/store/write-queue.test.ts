// The PostgreSQL store's write queue (src/store/postgres/write-queue.ts): per record in order, a write not
// yet started carries later changes, a refused write reaches its callers as 503 and is retried until
// the database takes it.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { WriteQueue } from '../../src/store/postgres/write-queue.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('WriteQueue', () => {
  it('When a record is written while its previous write runs, then the writes run one after the other and the queued one carries every later change', async () => {
    const queue = new WriteQueue(undefined);
    let state = 0;
    const written: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const write = async () => {
      const value = state;
      if (written.length === 0) await gate;
      written.push(value);
    };
    state = 1;
    const first = queue.write('h', write);
    await tick();
    state = 2;
    const second = queue.write('h', write);
    state = 3;
    const third = queue.write('h', write);
    // The second and third share one write that has not started yet.
    expect(third).toBe(second);
    release();
    await Promise.all([first, second, third]);
    expect(written).toEqual([1, 3]);
  });

  it('When two records are written, then neither waits for the other', async () => {
    const queue = new WriteQueue(undefined);
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = queue.write('a', async () => {
      await gate;
      order.push('a');
    });
    await queue.write('b', async () => {
      order.push('b');
    });
    release();
    await slow;
    expect(order).toEqual(['b', 'a']);
  });

  it('When the database refuses a write, then its callers get STORAGE_UNAVAILABLE and it is retried until taken', async () => {
    const queue = new WriteQueue(undefined);
    let attempts = 0;
    const refused = await queue
      .write('h', async () => {
        attempts++;
        if (attempts < 3) throw new Error('connection refused');
      })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('STORAGE_UNAVAILABLE');
    expect((refused as AppError).message).toContain('connection refused');
    expect(queue.pending).toBe(1);
    for (let i = 0; i < 100 && queue.pending; i++) await new Promise((r) => setTimeout(r, 50));
    expect(attempts).toBe(3);
    expect(queue.pending).toBe(0);
    queue.close();
  });

  it('When a write failed, then the next write of the record still runs', async () => {
    const queue = new WriteQueue(undefined);
    await queue.write('h', () => Promise.reject(new Error('no'))).catch(() => undefined);
    let ran = false;
    await queue.write('h', async () => {
      ran = true;
    });
    expect(ran).toBe(true);
    queue.close();
  });

  it('When settled() is awaited, then every write started before has finished', async () => {
    const queue = new WriteQueue(undefined);
    let done = 0;
    for (const key of ['a', 'b', 'c'])
      void queue.write(
        key,
        () =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              done++;
              resolve();
            }, 20),
          ),
      );
    await queue.settled();
    expect(done).toBe(3);
  });
});
