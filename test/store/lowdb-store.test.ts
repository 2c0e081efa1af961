import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Host } from '../../src/hosts/host.js';
import { LowdbStore, StoreOpenError } from '../../src/store/lowdb-store.js';
import { tempDir } from '../support/temp.js';

const tmp = () => tempDir('kickstand-store-');

function host(id: string, mac: string, extra: Partial<Host> = {}): Host {
  const now = new Date().toISOString();
  return {
    id,
    state: 'discovered',
    boot_mac: mac,
    macs: [mac],
    token_hash: 'h',
    summary: { disk_count: 0, disk_total_bytes: 0, nic_count: 1, kexec: false },
    created_at: now,
    updated_at: now,
    last_seen_at: now,
    events: [],
    ...extra,
  };
}

describe('LowdbStore', () => {
  it('When hosts are saved and the store reopened, then hosts, facts and indexes come back', async () => {
    const dir = await tmp();
    const a = await LowdbStore.open(dir);
    await a.saveHost(host('aaaaaaaaaaaa', '02:00:00:00:00:01', { uuid: '4c4c4544-0000-1111-2222-333344445555', hostname: 'Web1.example.com' }), {
      boot_mac: '02:00:00:00:00:01',
      nics: [{ name: 'eth0', mac: '02:00:00:00:00:01' }],
    });
    await a.close();
    const b = await LowdbStore.open(dir);
    expect((await b.getHost('aaaaaaaaaaaa'))?.boot_mac).toBe('02:00:00:00:00:01');
    expect((await b.findByBootMac('02:00:00:00:00:01'))?.id).toBe('aaaaaaaaaaaa');
    expect((await b.findByUuid('4c4c4544-0000-1111-2222-333344445555'))?.id).toBe('aaaaaaaaaaaa');
    expect((await b.findByHostname('web1.EXAMPLE.com'))?.id).toBe('aaaaaaaaaaaa');
    expect((await b.getFacts('aaaaaaaaaaaa'))?.nics[0]?.name).toBe('eth0');
  });

  it('When a host changes its hostname, then the old name is free again', async () => {
    const s = await LowdbStore.open(await tmp());
    await s.saveHost(host('bbbbbbbbbbbb', '02:00:00:00:00:02', { hostname: 'old.example.com' }));
    await s.saveHost(host('bbbbbbbbbbbb', '02:00:00:00:00:02', { hostname: 'new.example.com' }));
    expect(await s.findByHostname('old.example.com')).toBeUndefined();
    expect((await s.findByHostname('new.example.com'))?.id).toBe('bbbbbbbbbbbb');
  });

  it('When a host is deleted, then it and its facts file are gone after reopening', async () => {
    const dir = await tmp();
    const s = await LowdbStore.open(dir);
    await s.saveHost(host('cccccccccccc', '02:00:00:00:00:03'), { boot_mac: '02:00:00:00:00:03', nics: [{ name: 'eth0', mac: '02:00:00:00:00:03' }] });
    expect(await s.deleteHost('cccccccccccc')).toBe(true);
    expect(await s.deleteHost('cccccccccccc')).toBe(false);
    const again = await LowdbStore.open(dir);
    expect(await again.getHost('cccccccccccc')).toBeUndefined();
    expect(await again.getFacts('cccccccccccc')).toBeUndefined();
  });

  it('When the data file is not valid JSON, then opening fails naming the file, and the file is untouched', async () => {
    const dir = await tmp();
    const file = path.join(dir, 'kickstand.json');
    await writeFile(file, '{"format":1,"hosts":{"x":');
    await expect(LowdbStore.open(dir)).rejects.toThrow(StoreOpenError);
    await expect(LowdbStore.open(dir)).rejects.toThrow(file);
    expect(await readFile(file, 'utf-8')).toBe('{"format":1,"hosts":{"x":');
  });

  it('When the disk refuses a write, then the save rejects with STORAGE_UNAVAILABLE and the data file keeps its content', async () => {
    const dir = await tmp();
    const s = await LowdbStore.open(dir);
    await s.saveHost(host('dddddddddddd', '02:00:00:00:00:04'));
    const before = await readFile(path.join(dir, 'kickstand.json'), 'utf-8');
    // Works as root too (permission bits would not): the facts folder becomes a file, so writing
    // facts fails with ENOTDIR before the document is touched.
    await rm(path.join(dir, 'facts'), { recursive: true });
    await writeFile(path.join(dir, 'facts'), '');
    const facts = { boot_mac: '02:00:00:00:00:05', nics: [{ name: 'eth0', mac: '02:00:00:00:00:05' }] };
    await expect(s.saveHost(host('eeeeeeeeeeee', '02:00:00:00:00:05'), facts)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(await readFile(path.join(dir, 'kickstand.json'), 'utf-8')).toBe(before);
    // Space comes back: the next save writes what was pending.
    await rm(path.join(dir, 'facts'));
    await mkdir(path.join(dir, 'facts'));
    await s.saveHost(host('ffffffffffff', '02:00:00:00:00:06'));
    expect((await s.getFacts('eeeeeeeeeeee'))?.nics).toHaveLength(1);
    const reopened = await LowdbStore.open(dir);
    expect((await reopened.getFacts('eeeeeeeeeeee'))?.boot_mac).toBe('02:00:00:00:00:05');
  });
});
