import { describe, expect, it } from 'vitest';
import type { Installer } from '../../../src/installers/installer.js';
import { freshStore, type OpenStore } from './harness.js';

const installer = (name: string, version = '9.4'): Installer => ({
  name,
  family: 'rhel',
  version,
  repo: `http://mirror.example.com/${name}/BaseOS/x86_64/os`,
  source: 'api',
});

export function describeInstallerRepository(name: string, open: OpenStore, durable: boolean): void {
  describe(`InstallerRepository (${name})`, () => {
    const s = freshStore(open);

    it('When installers are saved, then list gives them by name and a second save replaces', async () => {
      const { installers } = s().store;
      await installers.save(installer('rhel9'));
      await installers.save(installer('alma9'));
      await installers.save(installer('rhel9', '9.5'));
      expect((await installers.list()).map((i) => `${i.name} ${i.version}`)).toEqual(['alma9 9.4', 'rhel9 9.5']);
    });

    it('When an installer is deleted, then it is gone and a second delete says false', async () => {
      const { installers } = s().store;
      await installers.save(installer('rhel9'));
      expect(await installers.delete('rhel9')).toBe(true);
      expect(await installers.delete('rhel9')).toBe(false);
      expect(await installers.list()).toEqual([]);
    });

    // Only where data outlives the process (the file store): the memory store has no "beside".

    if (durable)
      it('When a save resolves, then it is durable', async () => {
        const opened = s();
        if (!opened.readBeside) throw new Error('a durable store must open a second store beside it');
        await opened.store.installers.save(installer('rhel9'));
        expect((await (await opened.readBeside()).installers.list()).map((i) => i.name)).toEqual(['rhel9']);
      });
  });
}
