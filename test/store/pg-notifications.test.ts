// The barrier of the notification listener (src/store/postgres/notifications.ts): a writer holding the
// cluster lock waits on it to know it has heard every commit of the other instances. A barrier whose
// connection was lost before its notice came back has proven nothing: it must fail (the writer answers
// 503), not let the writer go on with a copy that may miss another instance's host.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Listener } from '../../src/store/postgres/notifications.js';
import { testDatabase } from '../support/postgres.js';

describe('the notification listener', () => {
  it('When the listening connection is lost before a barrier comes back, then the barrier fails', async () => {
    const url = await testDatabase();
    const name = 'kickstand-listen-test';
    const listener = await Listener.start(
      'this-instance',
      { connectionString: url, application_name: name },
      async () => undefined,
      async () => undefined,
    );
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await expect(listener.barrier(pool)).resolves.toBeUndefined();
      // A pool whose NOTIFY never reaches the server: this barrier waits for a notice that will not come.
      const silent = { query: async () => ({ rows: [] }) } as unknown as pg.Pool;
      // Its outcome is taken at once: the loss may come before the query below returns.
      const waiting = listener.barrier(silent).then(
        () => 'passed',
        (err: unknown) => err,
      );
      await pool.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
        [name],
      );
      const outcome = await waiting;
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toBe('lost the database notification connection');
    } finally {
      await listener.close();
      await pool.end();
    }
  });
});
