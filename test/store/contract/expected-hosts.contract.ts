import { describe, expect, it } from 'vitest';
import type { ExpectedHost } from '../../../src/expected-hosts/expected-host.js';
import { at, freshStore, type OpenStore } from './harness.js';

export const expectedHost = (n: number, hostname = `node-${n}`): ExpectedHost => ({
  id: `eh-${String(n).padStart(5, '0')}`,
  match: {
    serial: `SN${n}`,
    boot_mac: `52:54:00:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`,
  },
  hostname,
  profile: 'web',
  params: { rack: `r${n % 7}`, quote: 'it\'s "quoted" \\ and \u00e9' },
  tags: ['gpu', 'rack-1'],
  bmc: { driver: 'ipmi', address: `10.9.0.${n % 250}`, credentials: 'lab' },
  provision: n % 2 === 0,
  created_at: at(1),
  updated_at: at(2),
});

export function describeExpectedHostRepository(name: string, open: OpenStore, durable: boolean): void {
  describe(`ExpectedHostRepository (${name})`, () => {
    const s = freshStore(open);

    it('When records are saved, then list gives them by id, get finds one and a second save replaces', async () => {
      const { expectedHosts } = s().store;
      await expectedHosts.save(expectedHost(2));
      await expectedHosts.save(expectedHost(1));
      await expectedHosts.save({ ...expectedHost(2, 'renamed'), claimed_by: 'h-1', claimed_at: at(3) });
      expect((await expectedHosts.list()).map((e) => `${e.id} ${e.hostname}`)).toEqual(['eh-00001 node-1', 'eh-00002 renamed']);
      expect(await expectedHosts.get('eh-00002')).toEqual({ ...expectedHost(2, 'renamed'), claimed_by: 'h-1', claimed_at: at(3) });
      expect(await expectedHosts.get('eh-99999')).toBeUndefined();
    });

    it('When many are saved at once, then every one is visible before the promise resolves, and existing ones are replaced', async () => {
      const { expectedHosts } = s().store;
      await expectedHosts.save(expectedHost(3, 'old'));
      const saving = expectedHosts.saveMany([expectedHost(1), expectedHost(2), expectedHost(3)]);
      expect((await expectedHosts.list()).map((e) => e.hostname)).toEqual(['node-1', 'node-2', 'node-3']);
      await saving;
      await expectedHosts.saveMany([]);
      expect(await expectedHosts.list()).toHaveLength(3);
    });

    it('When a saved object is changed afterwards, then the store keeps what was saved (save and saveMany)', async () => {
      const { expectedHosts } = s().store;
      const one = expectedHost(1);
      const many = [expectedHost(2)];
      await expectedHosts.save(one);
      await expectedHosts.saveMany(many);
      one.hostname = 'changed';
      many[0]!.tags!.push('changed');
      expect((await expectedHosts.get('eh-00001'))?.hostname).toBe('node-1');
      expect((await expectedHosts.get('eh-00002'))?.tags).toEqual(['gpu', 'rack-1']);
    });

    it('When a record is deleted, then it is gone and a second delete says false', async () => {
      const { expectedHosts } = s().store;
      await expectedHosts.saveMany([expectedHost(1), expectedHost(2)]);
      expect(await expectedHosts.delete('eh-00001')).toBe(true);
      expect(await expectedHosts.delete('eh-00001')).toBe(false);
      expect((await expectedHosts.list()).map((e) => e.id)).toEqual(['eh-00002']);
      expect(await expectedHosts.get('eh-00001')).toBeUndefined();
    });

    it('When an id is a prototype key, then it is one record like any other', async () => {
      const { expectedHosts } = s().store;
      await expectedHosts.save({ ...expectedHost(1), id: '__proto__' });
      expect((await expectedHosts.list()).map((e) => e.id)).toEqual(['__proto__']);
      expect((await expectedHosts.get('__proto__'))?.hostname).toBe('node-1');
      expect(await expectedHosts.get('constructor')).toBeUndefined();
      expect(await expectedHosts.delete('__proto__')).toBe(true);
      expect(await expectedHosts.list()).toEqual([]);
    });

    if (durable)
      it('When saves, a saveMany of 2,500 (more than one statement) and a delete resolve, then all are durable', async () => {
        const opened = s();
        if (!opened.readBeside) throw new Error('a durable store must open a second store beside it');
        const { expectedHosts } = opened.store;
        await expectedHosts.save(expectedHost(0, 'single'));
        await expectedHosts.saveMany(Array.from({ length: 2_500 }, (_, i) => expectedHost(i + 1)));
        await expectedHosts.saveMany([expectedHost(7, 'again')]);
        await expectedHosts.delete('eh-00002');
        const beside = await opened.readBeside();
        const all = await beside.expectedHosts.list();
        expect(all).toHaveLength(2_500);
        expect(all[0]).toEqual(expectedHost(0, 'single'));
        expect(await beside.expectedHosts.get('eh-00002')).toBeUndefined();
        expect(await beside.expectedHosts.get('eh-00007')).toEqual(expectedHost(7, 'again'));
        expect(await beside.expectedHosts.get('eh-02500')).toEqual(expectedHost(2_500));
      });
  });
}
