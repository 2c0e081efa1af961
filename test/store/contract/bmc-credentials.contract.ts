import { describe, expect, it } from 'vitest';
import type { BmcCredentialSet } from '../../../src/bmc/bmc.js';
import { at, freshStore, type OpenStore } from './harness.js';

const set = (name: string, username = 'root'): BmcCredentialSet => ({
  name,
  username,
  password: 'kickstand-sealed:v1:not-really-sealed',
  description: `the ${name} rack`,
  created_at: at(1),
});

export function describeBmcCredentialRepository(name: string, open: OpenStore, durable: boolean): void {
  describe(`BmcCredentialRepository (${name})`, () => {
    const s = freshStore(open);

    it('When sets are saved, then list gives them by name, get finds one and a second save replaces', async () => {
      const { bmcCredentials } = s().store;
      await bmcCredentials.save(set('rack-b'));
      await bmcCredentials.save(set('rack-a'));
      await bmcCredentials.save({ ...set('rack-b', 'ADMIN'), updated_at: at(2) });
      expect((await bmcCredentials.list()).map((c) => `${c.name} ${c.username}`)).toEqual(['rack-a root', 'rack-b ADMIN']);
      expect(await bmcCredentials.get('rack-b')).toEqual({ ...set('rack-b', 'ADMIN'), updated_at: at(2) });
      expect(await bmcCredentials.get('nope')).toBeUndefined();
    });

    it('When a saved object is changed afterwards, then the store keeps what was saved', async () => {
      const { bmcCredentials } = s().store;
      const c = set('rack-a');
      await bmcCredentials.save(c);
      c.username = 'changed';
      expect((await bmcCredentials.get('rack-a'))?.username).toBe('root');
    });

    it('When a set is deleted, then it is gone and a second delete says false', async () => {
      const { bmcCredentials } = s().store;
      await bmcCredentials.save(set('rack-a'));
      expect(await bmcCredentials.delete('rack-a')).toBe(true);
      expect(await bmcCredentials.delete('rack-a')).toBe(false);
      expect(await bmcCredentials.list()).toEqual([]);
      expect(await bmcCredentials.get('rack-a')).toBeUndefined();
    });

    if (durable)
      it('When a save resolves, then it is durable, and so is a delete', async () => {
        const opened = s();
        if (!opened.readBeside) throw new Error('a durable store must open a second store beside it');
        await opened.store.bmcCredentials.save(set('rack-a'));
        await opened.store.bmcCredentials.save(set('rack-b'));
        await opened.store.bmcCredentials.delete('rack-b');
        const beside = await opened.readBeside();
        expect((await beside.bmcCredentials.list()).map((c) => c.name)).toEqual(['rack-a']);
        expect((await beside.bmcCredentials.get('rack-a'))?.password).toBe('kickstand-sealed:v1:not-really-sealed');
      });
  });
}
