import { describe, expect, it } from 'vitest';
import type { TagDefinition } from '../../../src/tags/tag.js';
import { at, freshStore, type OpenStore } from './harness.js';

export const tagDefinition = (name: string, expression = 'count(gpus) > 0'): TagDefinition => ({
  name,
  description: `hosts with ${name}`,
  expression,
  created_at: at(1),
  updated_at: at(2),
});

export function describeTagDefinitionRepository(name: string, open: OpenStore, durable: boolean): void {
  describe(`TagDefinitionRepository (${name})`, () => {
    const s = freshStore(open);

    it('When definitions are saved, then list gives them by name, get finds one and a second save replaces', async () => {
      const { tagDefinitions } = s().store;
      await tagDefinitions.save(tagDefinition('gpu'));
      await tagDefinitions.save(tagDefinition('big-memory', 'memory_mb > 512000'));
      await tagDefinitions.save(tagDefinition('gpu', 'any(pci, class ~ "VGA|3D")'));
      expect((await tagDefinitions.list()).map((t) => `${t.name} ${t.expression}`)).toEqual([
        'big-memory memory_mb > 512000',
        'gpu any(pci, class ~ "VGA|3D")',
      ]);
      expect(await tagDefinitions.get('gpu')).toEqual(tagDefinition('gpu', 'any(pci, class ~ "VGA|3D")'));
      expect(await tagDefinitions.get('nope')).toBeUndefined();
      expect(await tagDefinitions.get('constructor')).toBeUndefined();
    });

    it('When a saved object is changed afterwards, then the store keeps what was saved', async () => {
      const { tagDefinitions } = s().store;
      const t = tagDefinition('gpu');
      await tagDefinitions.save(t);
      t.expression = 'false';
      expect((await tagDefinitions.get('gpu'))?.expression).toBe('count(gpus) > 0');
    });

    it('When a definition is deleted, then it is gone and a second delete says false', async () => {
      const { tagDefinitions } = s().store;
      await tagDefinitions.save(tagDefinition('gpu'));
      expect(await tagDefinitions.delete('gpu')).toBe(true);
      expect(await tagDefinitions.delete('gpu')).toBe(false);
      expect(await tagDefinitions.list()).toEqual([]);
      expect(await tagDefinitions.get('gpu')).toBeUndefined();
    });

    if (durable)
      it('When a save resolves, then it is durable, and so is a delete', async () => {
        const opened = s();
        if (!opened.readBeside) throw new Error('a durable store must open a second store beside it');
        await opened.store.tagDefinitions.save(tagDefinition('gpu'));
        await opened.store.tagDefinitions.save(tagDefinition('nvme', 'any(disks, transport == "nvme")'));
        await opened.store.tagDefinitions.delete('nvme');
        const beside = await opened.readBeside();
        expect(await beside.tagDefinitions.list()).toEqual([tagDefinition('gpu')]);
      });
  });
}
