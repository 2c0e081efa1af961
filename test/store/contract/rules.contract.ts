import { describe, expect, it } from 'vitest';
import type { Rule } from '../../../src/rules/rule.js';
import { at, freshStore, type OpenStore } from './harness.js';

const rule = (name: string, priority: number, extra: Partial<Rule> = {}): Rule => ({
  name,
  expression: 'memory_mib > 1024',
  profile: 'web',
  hostname_pattern: 'web{{ seq() }}',
  priority,
  limit: 0,
  enabled: true,
  sequence: 0,
  created_at: at(0),
  updated_at: at(0),
  ...extra,
});

export function describeRuleRepository(name: string, open: OpenStore, durable: boolean): void {
  describe(`RuleRepository (${name})`, () => {
    const s = freshStore(open);

    it('When rules are listed, then they come by priority, then name (the order they are tried in)', async () => {
      const { rules } = s().store;
      await rules.save(rule('zeta', 10));
      await rules.save(rule('beta', 20));
      await rules.save(rule('alpha', 20));
      await rules.save(rule('omega', 5));
      expect((await rules.list()).map((r) => r.name)).toEqual(['omega', 'zeta', 'alpha', 'beta']);
    });

    it('When a rule is saved again, then it replaces the old one, and delete removes it once', async () => {
      const { rules } = s().store;
      await rules.save(rule('web', 10));
      await rules.save(rule('web', 10, { sequence: 7 }));
      expect(await rules.get('web')).toMatchObject({ sequence: 7 });
      expect(await rules.get('none')).toBeUndefined();
      expect(await rules.delete('web')).toBe(true);
      expect(await rules.delete('web')).toBe(false);
      expect(await rules.get('web')).toBeUndefined();
    });

    // Only where data outlives the process (the file store): the memory store has no "beside".

    if (durable)
      it('When a save resolves, then it is durable', async () => {
        const opened = s();
        if (!opened.readBeside) throw new Error('a durable store must open a second store beside it');
        await opened.store.rules.save(rule('kept', 1, { sequence: 3 }));
        expect(await (await opened.readBeside()).rules.get('kept')).toMatchObject({ sequence: 3 });
      });
  });
}
