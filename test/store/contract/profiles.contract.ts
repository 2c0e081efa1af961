import { describe, expect, it } from 'vitest';
import type { Profile } from '../../../src/profiles/profile.js';
import { at, freshStore, type OpenStore } from './harness.js';

const profile = (name: string, extra: Partial<Profile> = {}): Profile =>
  ({ name, action: 'reboot', bootable: false, created_at: at(0), updated_at: at(0), ...extra }) as Profile;

export function describeProfileRepository(name: string, open: OpenStore, durable: boolean): void {
  describe(`ProfileRepository (${name})`, () => {
    const s = freshStore(open);

    it('When profiles are saved, then get returns each and list gives them by name', async () => {
      const { profiles } = s().store;
      for (const n of ['web', 'db', 'mail']) await profiles.save(profile(n));
      expect(await profiles.get('db')).toMatchObject({ name: 'db', action: 'reboot' });
      expect(await profiles.get('none')).toBeUndefined();
      expect((await profiles.list()).map((p) => p.name)).toEqual(['db', 'mail', 'web']);
    });

    it('When a profile is saved again, then it replaces the old one', async () => {
      const { profiles } = s().store;
      await profiles.save(profile('web'));
      await profiles.save(profile('web', { description: 'second', bootable: true }));
      expect(await profiles.get('web')).toMatchObject({ description: 'second', bootable: true });
      expect(await profiles.list()).toHaveLength(1);
    });

    it('When a profile is deleted, then it is gone and a second delete says false', async () => {
      const { profiles } = s().store;
      await profiles.save(profile('web'));
      expect(await profiles.delete('web')).toBe(true);
      expect(await profiles.delete('web')).toBe(false);
      expect(await profiles.get('web')).toBeUndefined();
      expect(await profiles.list()).toEqual([]);
    });

    it('When a name is one of Object.prototype, then it is no profile', async () => {
      const { profiles } = s().store;
      expect(await profiles.get('constructor')).toBeUndefined();
      expect(await profiles.delete('toString')).toBe(false);
    });

    // Only where data outlives the process (the file store): the memory store has no "beside".

    if (durable)
      it('When a save and a deletion resolve, then they are durable', async () => {
        const opened = s();
        if (!opened.readBeside) throw new Error('a durable store must open a second store beside it');
        await opened.store.profiles.save(profile('kept'));
        await opened.store.profiles.save(profile('dropped'));
        await opened.store.profiles.delete('dropped');
        expect((await (await opened.readBeside()).profiles.list()).map((p) => p.name)).toEqual(['kept']);
      });
  });
}
