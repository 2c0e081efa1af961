import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../src/rules/rule.js';
import { freshStore, type OpenStore } from './harness.js';

export function describeSettingsRepository(name: string, open: OpenStore, durable: boolean): void {
  describe(`SettingsRepository (${name})`, () => {
    const s = freshStore(open);

    it('When nothing was saved, then the settings are the defaults', async () => {
      expect(await s().store.settings.get()).toEqual(DEFAULT_SETTINGS);
    });

    it('When settings are saved, then get returns them at once', async () => {
      const { settings } = s().store;
      await settings.save({ auto_provision: true });
      expect(await settings.get()).toEqual({ auto_provision: true });
    });

    // Only where data outlives the process (the file store): the memory store has no "beside".

    if (durable)
      it('When a save resolves, then it is durable', async () => {
        const opened = s();
        if (!opened.readBeside) throw new Error('a durable store must open a second store beside it');
        await opened.store.settings.save({ auto_provision: true });
        expect(await (await opened.readBeside()).settings.get()).toEqual({ auto_provision: true });
      });
  });
}
