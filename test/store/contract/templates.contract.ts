import { describe, expect, it } from 'vitest';
import type { TemplateVersion } from '../../../src/templates/version.js';
import { at, freshStore, type OpenStore } from './harness.js';

const version = (name: string, n: number): TemplateVersion => ({
  name,
  version: n,
  content: `v${n}\n`,
  sha256: `sha-${n}`,
  author: 'alice',
  at: at(n),
  action: n === 1 ? 'create' : 'save',
});

export function describeTemplateHistoryRepository(name: string, open: OpenStore, durable: boolean): void {
  describe(`TemplateHistoryRepository (${name})`, () => {
    const s = freshStore(open);

    it('When a template was never saved, then its history is empty', async () => {
      expect(await s().store.templates.list('rhel.ks.njk')).toEqual([]);
    });

    it('When versions are appended, then they are listed oldest first, per template (names with "/" too)', async () => {
      const { templates } = s().store;
      await templates.append(version('snippets/net.njk', 1));
      await templates.append(version('rhel.ks.njk', 1));
      await templates.append(version('snippets/net.njk', 2));
      await templates.append(version('snippets/net.njk', 3));
      expect((await templates.list('snippets/net.njk')).map((v) => v.version)).toEqual([1, 2, 3]);
      expect((await templates.list('rhel.ks.njk')).map((v) => v.content)).toEqual(['v1\n']);
    });

    it('When templates have histories, then names lists each once, sorted (names with "/" too), and none before', async () => {
      const { templates } = s().store;
      expect(await templates.names()).toEqual([]);
      await templates.append(version('snippets/net.njk', 1));
      await templates.append(version('rhel.ks.njk', 1));
      await templates.append(version('snippets/net.njk', 2));
      await templates.append(version('alma.ks.njk', 1));
      expect(await templates.names()).toEqual(['alma.ks.njk', 'rhel.ks.njk', 'snippets/net.njk']);
    });

    it('When appends run at once, then none is lost', async () => {
      const { templates } = s().store;
      await Promise.all([1, 2, 3, 4, 5].map((n) => templates.append(version('rhel.ks.njk', n))));
      expect((await templates.list('rhel.ks.njk')).map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
    });

    // Only where data outlives the process (the file store): the memory store has no "beside".

    if (durable)
      it('When an append resolves, then it is durable', async () => {
        const opened = s();
        if (!opened.readBeside) throw new Error('a durable store must open a second store beside it');
        await opened.store.templates.append(version('rhel.ks.njk', 1));
        const beside = await opened.readBeside();
        expect(await beside.templates.list('rhel.ks.njk')).toHaveLength(1);
        expect(await beside.templates.names()).toEqual(['rhel.ks.njk']);
      });
  });
}
