import { describe, expect, it } from 'vitest';
import type { Webhook } from '../../../src/notifications/webhook.js';
import { at, freshStore, type OpenStore } from './harness.js';

const webhook = (name: string, url = `https://hooks.example.com/${name}`): Webhook => ({
  name,
  url,
  events: ['failed', 'lost'],
  secret: 'kickstand-sealed:v1:not-really-sealed',
  enabled: true,
  created_at: at(1),
});

export function describeWebhookRepository(name: string, open: OpenStore, durable: boolean): void {
  describe(`WebhookRepository (${name})`, () => {
    const s = freshStore(open);

    it('When webhooks are saved, then list gives them by name, get finds one and a second save replaces', async () => {
      const { webhooks } = s().store;
      await webhooks.save(webhook('pager'));
      await webhooks.save(webhook('chat'));
      await webhooks.save({ ...webhook('pager', 'https://pager.example.com/in'), events: 'all', enabled: false });
      expect((await webhooks.list()).map((w) => `${w.name} ${w.url}`)).toEqual([
        'chat https://hooks.example.com/chat',
        'pager https://pager.example.com/in',
      ]);
      expect(await webhooks.get('pager')).toEqual({ ...webhook('pager', 'https://pager.example.com/in'), events: 'all', enabled: false });
      expect(await webhooks.get('nope')).toBeUndefined();
    });

    it('When a saved object is changed afterwards, then the store keeps what was saved', async () => {
      const { webhooks } = s().store;
      const w = webhook('pager');
      await webhooks.save(w);
      w.url = 'https://changed.example.com/';
      expect((await webhooks.get('pager'))?.url).toBe('https://hooks.example.com/pager');
    });

    it('When a webhook is deleted, then it is gone and a second delete says false', async () => {
      const { webhooks } = s().store;
      await webhooks.save(webhook('pager'));
      expect(await webhooks.delete('pager')).toBe(true);
      expect(await webhooks.delete('pager')).toBe(false);
      expect(await webhooks.list()).toEqual([]);
      expect(await webhooks.get('pager')).toBeUndefined();
    });

    if (durable)
      it('When a save resolves, then it is durable, and so is a delete', async () => {
        const opened = s();
        if (!opened.readBeside) throw new Error('a durable store must open a second store beside it');
        await opened.store.webhooks.save(webhook('pager'));
        await opened.store.webhooks.save(webhook('chat'));
        await opened.store.webhooks.delete('chat');
        const beside = await opened.readBeside();
        expect((await beside.webhooks.list()).map((w) => w.name)).toEqual(['pager']);
        expect((await beside.webhooks.get('pager'))?.secret).toBe('kickstand-sealed:v1:not-really-sealed');
      });
  });
}
