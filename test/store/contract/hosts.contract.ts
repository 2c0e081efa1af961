import { describe, expect, it } from 'vitest';
import type { Facts } from '../../../src/discovery/facts.js';
import { host } from '../fixtures.js';
import { at, freshStore, type OpenStore } from './harness.js';

const facts = (mac: string, nic = 'eth0'): Facts => ({ boot_mac: mac, nics: [{ name: nic, mac }] });

export function describeHostRepository(name: string, open: OpenStore, durable: boolean): void {
  describe(`HostRepository (${name})`, () => {
    const s = freshStore(open);

    it('When a host is saved, then get returns it at once and an unknown id is undefined', async () => {
      const { hosts } = s().store;
      await hosts.save(host('aaaaaaaaaaaa', '02:00:00:00:00:01', { hostname: 'web1.example.com' }));
      expect(await hosts.get('aaaaaaaaaaaa')).toMatchObject({
        id: 'aaaaaaaaaaaa',
        boot_mac: '02:00:00:00:00:01',
        hostname: 'web1.example.com',
      });
      expect(await hosts.get('zzzzzzzzzzzz')).toBeUndefined();
    });

    it('When a host is saved, then getLatest returns it too, and an unknown id is undefined', async () => {
      const { hosts } = s().store;
      await hosts.save(host('aaaaaaaaaaaa', '02:00:00:00:00:01'));
      expect((await hosts.getLatest('aaaaaaaaaaaa'))?.boot_mac).toBe('02:00:00:00:00:01');
      expect(await hosts.getLatest('zzzzzzzzzzzz')).toBeUndefined();
    });

    it('When a host is saved or touched, then peek gives the same copy synchronously, and an unknown id is undefined', async () => {
      const { hosts } = s().store;
      await hosts.save(host('aaaaaaaaaaaa', '02:00:00:00:00:01', { hostname: 'web1.example.com' }));
      const peeked = hosts.peek('aaaaaaaaaaaa');
      expect(peeked).not.toBeInstanceOf(Promise);
      expect(peeked).toEqual(await hosts.get('aaaaaaaaaaaa'));
      hosts.touch('aaaaaaaaaaaa', at(7), '192.0.2.9');
      expect(hosts.peek('aaaaaaaaaaaa')).toMatchObject({ last_seen_at: at(7), last_seen_ip: '192.0.2.9' });
      expect(hosts.peek('zzzzzzzzzzzz')).toBeUndefined();
    });

    it('When a host is saved, then it is found by boot MAC, by UUID and by hostname in any case', async () => {
      const { hosts } = s().store;
      await hosts.save(
        host('aaaaaaaaaaaa', '02:00:00:00:00:01', { uuid: '4c4c4544-0000-1111-2222-333344445555', hostname: 'Web1.example.com' }),
      );
      expect((await hosts.findByBootMac('02:00:00:00:00:01'))?.id).toBe('aaaaaaaaaaaa');
      expect((await hosts.findByUuid('4c4c4544-0000-1111-2222-333344445555'))?.id).toBe('aaaaaaaaaaaa');
      expect((await hosts.findByHostname('web1.EXAMPLE.com'))?.id).toBe('aaaaaaaaaaaa');
      expect(await hosts.findByBootMac('02:00:00:00:00:99')).toBeUndefined();
      expect(await hosts.findByUuid('4c4c4544-0000-1111-2222-999999999999')).toBeUndefined();
      expect(await hosts.findByHostname('web2.example.com')).toBeUndefined();
    });

    it('When a host changes its hostname, boot MAC or UUID, then the old keys find nothing', async () => {
      const { hosts } = s().store;
      await hosts.save(
        host('bbbbbbbbbbbb', '02:00:00:00:00:02', { hostname: 'old.example.com', uuid: '4c4c4544-0000-0000-0000-000000000001' }),
      );
      await hosts.save(
        host('bbbbbbbbbbbb', '02:00:00:00:00:03', { hostname: 'new.example.com', uuid: '4c4c4544-0000-0000-0000-000000000002' }),
      );
      expect(await hosts.findByHostname('old.example.com')).toBeUndefined();
      expect(await hosts.findByBootMac('02:00:00:00:00:02')).toBeUndefined();
      expect(await hosts.findByUuid('4c4c4544-0000-0000-0000-000000000001')).toBeUndefined();
      expect((await hosts.findByHostname('new.example.com'))?.id).toBe('bbbbbbbbbbbb');
      expect((await hosts.findByBootMac('02:00:00:00:00:03'))?.id).toBe('bbbbbbbbbbbb');
      expect((await hosts.findByUuid('4c4c4544-0000-0000-0000-000000000002'))?.id).toBe('bbbbbbbbbbbb');
    });

    it('When hosts are listed, then the most recently seen comes first', async () => {
      const { hosts } = s().store;
      await hosts.save(host('aaaaaaaaaaa1', '02:00:00:00:01:01', { last_seen_at: at(1) }));
      await hosts.save(host('aaaaaaaaaaa3', '02:00:00:00:01:03', { last_seen_at: at(3) }));
      await hosts.save(host('aaaaaaaaaaa2', '02:00:00:00:01:02', { last_seen_at: at(2) }));
      expect((await hosts.list()).map((h) => h.id)).toEqual(['aaaaaaaaaaa3', 'aaaaaaaaaaa2', 'aaaaaaaaaaa1']);
    });

    it('When a host is touched, then reads and the listing order see the new time and IP at once', async () => {
      const { hosts } = s().store;
      await hosts.save(host('aaaaaaaaaaa1', '02:00:00:00:01:01', { last_seen_at: at(1) }));
      await hosts.save(host('aaaaaaaaaaa2', '02:00:00:00:01:02', { last_seen_at: at(2) }));
      hosts.touch('aaaaaaaaaaa1', at(5), '192.0.2.7');
      expect(await hosts.get('aaaaaaaaaaa1')).toMatchObject({ last_seen_at: at(5), last_seen_ip: '192.0.2.7' });
      expect((await hosts.list()).map((h) => h.id)).toEqual(['aaaaaaaaaaa1', 'aaaaaaaaaaa2']);
      hosts.touch('zzzzzzzzzzzz', at(6), '192.0.2.8');
      expect(await hosts.get('zzzzzzzzzzzz')).toBeUndefined();
    });

    it('When a host is deleted, then it, its lookups and its facts are gone, and a second delete says false', async () => {
      const { hosts } = s().store;
      await hosts.save(host('cccccccccccc', '02:00:00:00:00:03', { hostname: 'gone.example.com' }), facts('02:00:00:00:00:03'));
      expect(await hosts.delete('cccccccccccc')).toBe(true);
      expect(await hosts.delete('cccccccccccc')).toBe(false);
      expect(await hosts.get('cccccccccccc')).toBeUndefined();
      expect(await hosts.findByBootMac('02:00:00:00:00:03')).toBeUndefined();
      expect(await hosts.findByHostname('gone.example.com')).toBeUndefined();
      expect(await hosts.getFacts('cccccccccccc')).toBeUndefined();
      expect(await hosts.list()).toEqual([]);
    });

    it('When facts are saved with a host, then they are read apart from it and kept by a save without facts', async () => {
      const { hosts } = s().store;
      await hosts.save(host('dddddddddddd', '02:00:00:00:00:04'), facts('02:00:00:00:00:04', 'eno1'));
      expect(await hosts.get('dddddddddddd')).not.toHaveProperty('nics');
      expect((await hosts.getFacts('dddddddddddd'))?.nics[0]?.name).toBe('eno1');
      await hosts.save(host('dddddddddddd', '02:00:00:00:00:04', { hostname: 'renamed.example.com' }));
      expect((await hosts.getFacts('dddddddddddd'))?.nics[0]?.name).toBe('eno1');
      await hosts.save(host('dddddddddddd', '02:00:00:00:00:04'), facts('02:00:00:00:00:04', 'eno2'));
      expect((await hosts.getFacts('dddddddddddd'))?.nics[0]?.name).toBe('eno2');
      expect(await hosts.getFacts('zzzzzzzzzzzz')).toBeUndefined();
    });

    it('When an install log is saved, then it is read back and a later one replaces it', async () => {
      const { hosts } = s().store;
      expect(await hosts.getInstallLog('eeeeeeeeeeee')).toBeUndefined();
      await hosts.saveInstallLog('eeeeeeeeeeee', 'anaconda said no');
      expect(await hosts.getInstallLog('eeeeeeeeeeee')).toBe('anaconda said no');
      await hosts.saveInstallLog('eeeeeeeeeeee', 'and again');
      expect(await hosts.getInstallLog('eeeeeeeeeeee')).toBe('and again');
    });

    // Only where data outlives the process (the file store): the memory store has no "beside".

    if (durable)
      it('When a save, a deletion and an install log resolve, then they are durable', async () => {
        const opened = s();
        if (!opened.readBeside) throw new Error('a durable store must open a second store beside it');
        const { hosts } = opened.store;
        await hosts.save(host('ffffffffff01', '02:00:00:00:02:01', { hostname: 'kept.example.com' }), facts('02:00:00:00:02:01'));
        await hosts.save(host('ffffffffff02', '02:00:00:00:02:02'));
        await hosts.delete('ffffffffff02');
        await hosts.saveInstallLog('ffffffffff01', 'tail');
        const beside = (await opened.readBeside()).hosts;
        expect((await beside.findByHostname('kept.example.com'))?.id).toBe('ffffffffff01');
        expect((await beside.getFacts('ffffffffff01'))?.boot_mac).toBe('02:00:00:00:02:01');
        expect(await beside.get('ffffffffff02')).toBeUndefined();
        expect(await beside.getInstallLog('ffffffffff01')).toBe('tail');
      });
  });
}
