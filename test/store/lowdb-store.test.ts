import { mkdir, open, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Host } from '../../src/hosts/host.js';
import { LowdbStore } from '../../src/store/file/lowdb-store.js';
import { StoreOpenError } from '../../src/store/file/last-good.js';
import { tempDir } from '../support/temp.js';
import { host } from './fixtures.js';

const tmp = () => tempDir('kickstand-store-');

// Every store a test opens is closed when the file is done (an open FileHandle left to the GC warns).
const stores: LowdbStore[] = [];
afterAll(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
});
async function openStore(dir: string): Promise<LowdbStore> {
  const s = await LowdbStore.open(dir);
  stores.push(s);
  return s;
}

describe('LowdbStore', () => {
  it('When hosts are saved and the store reopened, then hosts, facts and indexes come back', async () => {
    const dir = await tmp();
    const a = await openStore(dir);
    await a.hosts.save(
      host('aaaaaaaaaaaa', '02:00:00:00:00:01', { uuid: '4c4c4544-0000-1111-2222-333344445555', hostname: 'Web1.example.com' }),
      {
        boot_mac: '02:00:00:00:00:01',
        nics: [{ name: 'eth0', mac: '02:00:00:00:00:01' }],
      },
    );
    await a.close();
    const b = await openStore(dir);
    expect((await b.hosts.get('aaaaaaaaaaaa'))?.boot_mac).toBe('02:00:00:00:00:01');
    expect((await b.hosts.findByBootMac('02:00:00:00:00:01'))?.id).toBe('aaaaaaaaaaaa');
    expect((await b.hosts.findByUuid('4c4c4544-0000-1111-2222-333344445555'))?.id).toBe('aaaaaaaaaaaa');
    expect((await b.hosts.findByHostname('web1.EXAMPLE.com'))?.id).toBe('aaaaaaaaaaaa');
    expect((await b.hosts.getFacts('aaaaaaaaaaaa'))?.nics[0]?.name).toBe('eth0');
  });

  it('When a host changes its hostname, then the old name is free again', async () => {
    const s = await openStore(await tmp());
    await s.hosts.save(host('bbbbbbbbbbbb', '02:00:00:00:00:02', { hostname: 'old.example.com' }));
    await s.hosts.save(host('bbbbbbbbbbbb', '02:00:00:00:00:02', { hostname: 'new.example.com' }));
    expect(await s.hosts.findByHostname('old.example.com')).toBeUndefined();
    expect((await s.hosts.findByHostname('new.example.com'))?.id).toBe('bbbbbbbbbbbb');
  });

  it('When a host is deleted, then it and its facts file are gone after reopening', async () => {
    const dir = await tmp();
    const s = await openStore(dir);
    await s.hosts.save(host('cccccccccccc', '02:00:00:00:00:03'), {
      boot_mac: '02:00:00:00:00:03',
      nics: [{ name: 'eth0', mac: '02:00:00:00:00:03' }],
    });
    expect(await s.hosts.delete('cccccccccccc')).toBe(true);
    expect(await s.hosts.delete('cccccccccccc')).toBe(false);
    const again = await openStore(dir);
    expect(await again.hosts.get('cccccccccccc')).toBeUndefined();
    expect(await again.hosts.getFacts('cccccccccccc')).toBeUndefined();
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
    const s = await openStore(dir);
    await s.hosts.save(host('dddddddddddd', '02:00:00:00:00:04'));
    const before = await readFile(path.join(dir, 'hosts.jsonl'), 'utf-8');
    // Works as root too (permission bits would not): the journal's write handle is closed under the
    // store, so the next append fails (EBADF) the way a full or vanished disk fails it.
    const journal = (s as unknown as { journal: { appender: FileHandle } }).journal;
    await journal.appender.close();
    const facts = { boot_mac: '02:00:00:00:00:05', nics: [{ name: 'eth0', mac: '02:00:00:00:00:05' }] };
    await expect(s.hosts.save(host('eeeeeeeeeeee', '02:00:00:00:00:05'), facts)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(await readFile(path.join(dir, 'hosts.jsonl'), 'utf-8')).toBe(before);
    // The disk comes back: the next save writes what was pending.
    journal.appender = await open(path.join(dir, 'hosts.jsonl'), 'a');
    await s.hosts.save(host('ffffffffffff', '02:00:00:00:00:06'));
    expect((await s.hosts.getFacts('eeeeeeeeeeee'))?.nics).toHaveLength(1);
    const reopened = await openStore(dir);
    expect((await reopened.hosts.getFacts('eeeeeeeeeeee'))?.boot_mac).toBe('02:00:00:00:00:05');
  });

  it('When hosts are saved many times, then the journal is compacted to one line per host and reopens the same', async () => {
    const dir = await tmp();
    const s = await openStore(dir);
    for (let round = 0; round < 6; round++) {
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          s.hosts.save(
            host(
              `h${String(i).padStart(11, '0')}`,
              `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
              { hostname: `r${round}-${i}.example.com` },
            ),
          ),
        ),
      );
    }
    await s.hosts.save(host('h00000000042', '02:00:00:00:00:2a', { hostname: 'r5-42.example.com' }), {
      boot_mac: '02:00:00:00:00:2a',
      nics: [{ name: 'eth42', mac: '02:00:00:00:00:2a' }],
    });
    for (let round = 0; round < 4; round++)
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          s.hosts.save({ ...(s as unknown as { hostMap: Map<string, Host> }).hostMap.get(`h${String(i).padStart(11, '0')}`)! }),
        ),
      );
    expect((await s.hosts.getFacts('h00000000042'))?.nics[0]?.name).toBe('eth42');
    await s.hosts.delete('h00000000007');
    await s.close();
    const lines = (await readFile(path.join(dir, 'hosts.jsonl'), 'utf-8')).trim().split('\n');
    // 1,801 records were written; compaction kept it under twice the live count (or the 1,000 floor).
    expect(lines.length).toBeLessThanOrEqual(1000);
    const again = await openStore(dir);
    const hosts = await again.hosts.list();
    expect(hosts).toHaveLength(299);
    expect((await again.hosts.get('h00000000042'))?.hostname).toBe('r5-42.example.com');
    expect(await again.hosts.get('h00000000007')).toBeUndefined();
    // Facts survive compactions: copied as bytes into each snapshot.
    expect((await again.hosts.getFacts('h00000000042'))?.nics[0]?.name).toBe('eth42');
  });

  it('When the last journal line was cut short by a crash, then it is dropped and the rest loads; a bad line elsewhere stops the start naming its offset', async () => {
    const dir = await tmp();
    const s = await openStore(dir);
    await s.hosts.save(host('aaaaaaaaaaa1', '02:00:00:00:01:01'));
    await s.hosts.save(host('aaaaaaaaaaa2', '02:00:00:00:01:02'));
    await s.close();
    const file = path.join(dir, 'hosts.jsonl');
    const good = await readFile(file, 'utf-8');
    await writeFile(file, `${good}{"h":{"id":"torn`);
    const reopened = await openStore(dir);
    expect((await reopened.hosts.list()).map((h) => h.id).sort()).toEqual(['aaaaaaaaaaa1', 'aaaaaaaaaaa2']);
    await reopened.hosts.save(host('aaaaaaaaaaa3', '02:00:00:00:01:03'));
    await reopened.close();
    await expect((await openStore(dir)).hosts.list().then((l) => l.length)).resolves.toBe(3);
    const firstLine = good.split('\n')[0]!;
    await writeFile(file, `${firstLine}\nnot json at all\n${good.split('\n')[1]}\n`);
    await expect(LowdbStore.open(dir)).rejects.toThrow(`line 2 (byte offset ${Buffer.byteLength(firstLine) + 1})`);
  });

  it('When a data dir from before the journal (hosts in kickstand.json, facts in facts/) is opened, then both move to the journal and nothing is lost', async () => {
    const dir = await tmp();
    const old = host('legacyhost01', '02:00:00:00:02:01', { hostname: 'legacy.example.com' });
    await writeFile(
      path.join(dir, 'kickstand.json'),
      JSON.stringify({ format: 1, hosts: { [old.id]: old }, profiles: {}, rules: {}, users: {}, audit: [] }),
    );
    await mkdir(path.join(dir, 'facts'));
    await writeFile(
      path.join(dir, 'facts', 'legacyhost01.json'),
      JSON.stringify({ boot_mac: '02:00:00:00:02:01', nics: [{ name: 'eth9', mac: '02:00:00:00:02:01' }] }),
    );
    const s = await openStore(dir);
    expect((await s.hosts.getFacts('legacyhost01'))?.nics[0]?.name).toBe('eth9');
    expect((await s.hosts.findByHostname('legacy.example.com'))?.id).toBe('legacyhost01');
    await s.close();
    const doc = JSON.parse(await readFile(path.join(dir, 'kickstand.json'), 'utf-8'));
    expect(doc.format).toBe(2);
    expect(doc.hosts).toBeUndefined();
    const again = await openStore(dir);
    await expect(again.hosts.get('legacyhost01')).resolves.toMatchObject({ hostname: 'legacy.example.com' });
    expect((await again.hosts.getFacts('legacyhost01'))?.nics[0]?.name).toBe('eth9');
  });
});
