import { describe, expect, it } from 'vitest';
import type { User } from '../../../src/auth/user.js';
import { at, freshStore, type OpenStore } from './harness.js';

const user = (name: string, hashes: string[] = []): User => ({
  name,
  role: 'admin',
  password_hash: 'x',
  tokens: hashes.map((hash, i) => ({ id: `t${i}`, name: `token ${i}`, hash, created_at: at(0) })),
  created_at: at(0),
  updated_at: at(0),
});

export function describeUserRepository(name: string, open: OpenStore, durable: boolean): void {
  describe(`UserRepository (${name})`, () => {
    const s = freshStore(open);

    it('When users are saved, then get returns each and list gives them by name', async () => {
      const { users } = s().store;
      for (const n of ['carol', 'alice', 'bob']) await users.save(user(n));
      expect(await users.get('bob')).toMatchObject({ name: 'bob', role: 'admin' });
      expect(await users.get('dave')).toBeUndefined();
      expect((await users.list()).map((u) => u.name)).toEqual(['alice', 'bob', 'carol']);
    });

    it('When a user holds API tokens, then the user is found by each token hash, and only while it holds it', async () => {
      const { users } = s().store;
      await users.save(user('alice', ['hash-a1', 'hash-a2']));
      await users.save(user('bob', ['hash-b1']));
      expect((await users.findByTokenHash('hash-a2'))?.name).toBe('alice');
      expect((await users.findByTokenHash('hash-b1'))?.name).toBe('bob');
      expect(await users.findByTokenHash('hash-none')).toBeUndefined();
      await users.save(user('alice', ['hash-a2']));
      expect(await users.findByTokenHash('hash-a1')).toBeUndefined();
      expect((await users.findByTokenHash('hash-a2'))?.name).toBe('alice');
    });

    it('When a user is deleted, then it and its tokens are gone, and a second delete says false', async () => {
      const { users } = s().store;
      await users.save(user('alice', ['hash-a1']));
      expect(await users.delete('alice')).toBe(true);
      expect(await users.delete('alice')).toBe(false);
      expect(await users.get('alice')).toBeUndefined();
      expect(await users.findByTokenHash('hash-a1')).toBeUndefined();
    });

    // Only where data outlives the process (the file store): the memory store has no "beside".

    if (durable)
      it('When a save resolves, then the user and its tokens are durable', async () => {
        const opened = s();
        if (!opened.readBeside) throw new Error('a durable store must open a second store beside it');
        await opened.store.users.save(user('alice', ['hash-a1']));
        expect((await (await opened.readBeside()).users.findByTokenHash('hash-a1'))?.name).toBe('alice');
      });
  });
}
