import { describe, expect, it } from 'vitest';
import { AUDIT_CAPS, type AuditEntry } from '../../../src/audit/entry.js';
import { at, freshStore, type OpenStore } from './harness.js';

const entry = (action: string, target: string, actor = 'alice'): AuditEntry => ({ at: at(0), actor, action, target });

export function describeAuditRepository(name: string, open: OpenStore, durable: boolean): void {
  describe(`AuditRepository (${name})`, () => {
    const s = freshStore(open);

    it('When entries are appended, then each gets the next seq and the trail lists newest first', async () => {
      const { audit } = s().store;
      await audit.append(entry('profile.create', 'web'));
      await audit.append(entry('rule.create', 'r1'));
      await audit.append(entry('host.delete', 'h1'));
      const trail = await audit.list();
      expect(trail.map((e) => e.action)).toEqual(['host.delete', 'rule.create', 'profile.create']);
      expect(trail.map((e) => e.seq)).toEqual([3, 2, 1]);
    });

    it('When the trail is queried, then actor, target, an exact action and an action prefix filter it', async () => {
      const { audit } = s().store;
      await audit.append(entry('user.create', 'bob'));
      await audit.append(entry('user.delete', 'bob', 'carol'));
      await audit.append(entry('profile.create', 'bob'));
      await audit.append(entry('usery.thing', 'x'));
      const actions = async (q: Parameters<typeof audit.list>[0]) => (await audit.list(q)).map((e) => e.action);
      expect(await actions({ limit: 10, actor: 'carol' })).toEqual(['user.delete']);
      expect(await actions({ limit: 10, target: 'bob' })).toEqual(['profile.create', 'user.delete', 'user.create']);
      expect(await actions({ limit: 10, action: 'user.create' })).toEqual(['user.create']);
      expect(await actions({ limit: 10, action: 'user.*' })).toEqual(['user.delete', 'user.create']);
      expect(await actions({ limit: 10, action: 'user.*', actor: 'alice' })).toEqual(['user.create']);
    });

    it('When the trail is paged with limit and before, then pages follow each other without gaps or repeats', async () => {
      const { audit } = s().store;
      await Promise.all(Array.from({ length: 7 }, (_, i) => audit.append(entry('host.delete', `h${i}`))));
      const first = await audit.list({ limit: 3 });
      expect(first.map((e) => e.target)).toEqual(['h6', 'h5', 'h4']);
      const second = await audit.list({ limit: 3, before: first.at(-1)!.seq! });
      expect(second.map((e) => e.target)).toEqual(['h3', 'h2', 'h1']);
      const third = await audit.list({ limit: 3, before: second.at(-1)!.seq! });
      expect(third.map((e) => e.target)).toEqual(['h0']);
    });

    it('When one kind floods past its cap, then only its oldest entries go, down to the cap', async () => {
      const { audit } = s().store;
      const cap = AUDIT_CAPS.settings;
      await audit.append(entry('host.delete', 'kept'));
      await Promise.all(Array.from({ length: cap + 20 }, (_, i) => audit.append(entry('settings.change', `s${i}`))));
      const trail = await audit.list();
      const settings = trail.filter((e) => e.action === 'settings.change');
      // Past the cap by 1% (at least 10) the kind is cut to its cap in one pass; 9 more came after it.
      expect(settings).toHaveLength(cap + 9);
      expect(settings.at(-1)?.target).toBe('s11');
      expect(settings[0]?.target).toBe(`s${cap + 19}`);
      expect(trail.filter((e) => e.action === 'host.delete').map((e) => e.target)).toEqual(['kept']);
    });

    // Only where data outlives the process (the file store): the memory store has no "beside".

    if (durable)
      it('When an append resolves, then it is durable with its seq', async () => {
        const opened = s();
        if (!opened.readBeside) throw new Error('a durable store must open a second store beside it');
        await opened.store.audit.append(entry('profile.create', 'web'));
        await opened.store.audit.append(entry('profile.delete', 'web'));
        expect((await (await opened.readBeside()).audit.list()).map((e) => `${e.seq} ${e.action}`)).toEqual([
          '2 profile.delete',
          '1 profile.create',
        ]);
      });
  });
}
