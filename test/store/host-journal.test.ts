import { readFile, readdir, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostJournal, loadJournal } from '../../src/store/file/host-journal.js';
import { tempDir } from '../support/temp.js';
import { bytes, fillingUp, host } from './fixtures.js';

const facts = (mac: string, pad = 0) => ({ boot_mac: mac, nics: [{ name: 'eth0', mac }], extra: { pad: 'x'.repeat(pad) } }) as never;

async function journalIn(): Promise<{ file: string; journal: HostJournal; inner: { appender: FileHandle; reader: FileHandle } }> {
  const file = path.join(await tempDir('kickstand-journal-'), 'hosts.jsonl');
  const journal = await HostJournal.open(file, await loadJournal(file));
  await journal.append([['aaaaaaaaaaaa', facts('02:00:00:00:00:01')]], [host('aaaaaaaaaaaa', '02:00:00:00:00:01')], []);
  return { file, journal, inner: journal as unknown as { appender: FileHandle; reader: FileHandle } };
}

describe('HostJournal on a failing disk', () => {
  it('When an append runs out of space part-way, then the bytes it wrote are cut back, the failure names the file and ENOSPC, and the next append lands on a clean line', async () => {
    const { file, journal, inner } = await journalIn();
    const before = await readFile(file);
    const disk = fillingUp(inner.appender, 100);
    inner.appender = disk.handle;
    const refused = journal.append([['bbbbbbbbbbbb', facts('02:00:00:00:00:02', 8000)]], [host('bbbbbbbbbbbb', '02:00:00:00:00:02')], []);
    await expect(refused).rejects.toMatchObject({ name: 'DiskWriteError', file, errno: 'ENOSPC' });
    await expect(refused).rejects.toThrow(`cannot write ${file}: ENOSPC (no space left on device)`);
    expect(bytes(await readFile(file))).toEqual(bytes(before));
    expect(journal.hasFacts('bbbbbbbbbbbb')).toBe(false);

    // Space is back.
    await journal.append([['cccccccccccc', facts('02:00:00:00:00:03')]], [host('cccccccccccc', '02:00:00:00:00:03')], []);
    expect((await journal.readFacts('cccccccccccc'))?.boot_mac).toBe('02:00:00:00:00:03');
    expect((await journal.readFacts('aaaaaaaaaaaa'))?.boot_mac).toBe('02:00:00:00:00:01');
    await journal.close();
    const loaded = await loadJournal(file);
    expect([...loaded.hosts.keys()].sort()).toEqual(['aaaaaaaaaaaa', 'cccccccccccc']);
    expect(loaded.tornTail).toBe(false);
    expect(bytes((await readFile(file)).subarray(0, before.length))).toEqual(bytes(before));
  });

  it('When the cut-back fails too, then the next append truncates first, and is refused while it cannot', async () => {
    const { file, journal, inner } = await journalIn();
    const before = await readFile(file);
    const disk = fillingUp(inner.appender, 50);
    inner.appender = disk.handle;
    disk.failNext('truncate');
    await expect(journal.append([], [host('bbbbbbbbbbbb', '02:00:00:00:00:02')], [])).rejects.toMatchObject({ errno: 'ENOSPC' });
    expect((await readFile(file)).length).toBe(before.length + 50); // the torn bytes are still there

    disk.failNext('truncate');
    await expect(journal.append([], [host('cccccccccccc', '02:00:00:00:00:03')], [])).rejects.toMatchObject({ errno: 'EIO' });
    expect((await readFile(file)).length).toBe(before.length + 50); // nothing appended after them

    await journal.append([], [host('dddddddddddd', '02:00:00:00:00:04')], []);
    await journal.close();
    const loaded = await loadJournal(file);
    expect([...loaded.hosts.keys()].sort()).toEqual(['aaaaaaaaaaaa', 'dddddddddddd']);
  });

  it('When the sync after an append fails (EIO), then the append is taken back and reported', async () => {
    const { file, journal, inner } = await journalIn();
    const before = await readFile(file);
    const disk = fillingUp(inner.appender, Number.MAX_SAFE_INTEGER);
    inner.appender = disk.handle;
    disk.failNext('datasync');
    await expect(journal.append([], [host('bbbbbbbbbbbb', '02:00:00:00:00:02')], [])).rejects.toMatchObject({ errno: 'EIO', file });
    expect(bytes(await readFile(file))).toEqual(bytes(before));
    await journal.close();
  });

  it('When a compaction fails part-way, then the journal is byte-identical, its temp file is gone, and appends carry on', async () => {
    const { file, journal, inner } = await journalIn();
    await journal.append([['bbbbbbbbbbbb', facts('02:00:00:00:00:02')]], [host('bbbbbbbbbbbb', '02:00:00:00:00:02')], []);
    const before = await readFile(file);
    const disk = fillingUp(inner.reader, Number.MAX_SAFE_INTEGER);
    inner.reader = disk.handle;
    disk.failNext('read');
    const live = (await loadJournal(file)).hosts;
    await expect(journal.compact(live)).rejects.toMatchObject({ name: 'DiskWriteError', file: `${file}.compact`, errno: 'EIO' });
    expect(bytes(await readFile(file))).toEqual(bytes(before));
    expect(await readdir(path.dirname(file))).toEqual(['hosts.jsonl']);
    await journal.append([], [host('cccccccccccc', '02:00:00:00:00:03')], []);
    await journal.compact((await loadJournal(file)).hosts);
    expect((await journal.readFacts('bbbbbbbbbbbb'))?.boot_mac).toBe('02:00:00:00:00:02');
    await journal.close();
    expect((await loadJournal(file)).hosts.size).toBe(3);
  });

  it('When the journal ends in a torn record at open, then it is cut off in place (no rewrite, works on a full disk)', async () => {
    const { file, journal } = await journalIn();
    await journal.close();
    const good = await readFile(file);
    await writeFile(file, Buffer.concat([good, Buffer.from('{"h":{"id":"torn')]));
    const loaded = await loadJournal(file);
    expect(loaded).toMatchObject({ tornTail: true, size: good.length });
    const reopened = await HostJournal.open(file, loaded);
    expect(bytes(await readFile(file))).toEqual(bytes(good));
    await reopened.append([], [host('bbbbbbbbbbbb', '02:00:00:00:00:02')], []);
    await reopened.close();
    expect((await loadJournal(file)).hosts.size).toBe(2);
  });
});

describe('loadJournal reading in slices', () => {
  it('When the journal is larger than a read slice, then every record is found at its byte offset, a record across a slice edge included, and a corrupt line deep in it is named by line and offset', async () => {
    const file = path.join(await tempDir('kickstand-journal-'), 'hosts.jsonl');
    const journal = await HostJournal.open(file, await loadJournal(file));
    // ~12 MB: three 4 MB slices; 20 KB facts lines make records straddle the slice edges.
    const machines: [string, string][] = [];
    for (let i = 0; i < 600; i++) {
      const id = `h${String(i).padStart(11, '0')}`;
      const mac = `02:00:00:00:${String(Math.floor(i / 100)).padStart(2, '0')}:${String(i % 100).padStart(2, '0')}`;
      machines.push([id, mac]);
      await journal.append([[id, facts(mac, 20_000)]], [host(id, mac)], []);
    }
    await journal.close();
    const size = (await readFile(file)).length;
    expect(size).toBeGreaterThan(2.5 * 4 * 1024 * 1024);

    const loaded = await loadJournal(file);
    expect(loaded.hosts.size).toBe(600);
    expect(loaded.facts.size).toBe(600);
    expect(loaded.records).toBe(1200);
    expect(loaded).toMatchObject({ size, tornTail: false });
    const reopened = await HostJournal.open(file, loaded);
    for (const [id, mac] of machines) {
      expect(loaded.hosts.get(id)?.boot_mac).toBe(mac);
      expect((await reopened.readFacts(id))?.boot_mac).toBe(mac);
    }
    await reopened.close();

    // One byte of a host line in the third slice damaged: named by its line and byte offset.
    const text = await readFile(file);
    const line = 1001;
    let offset = 0;
    for (let n = 1; n < line; n++) offset = text.indexOf(0x0a, offset) + 1;
    expect(offset).toBeGreaterThan(2 * 4 * 1024 * 1024);
    const damaged = Buffer.from(text);
    damaged[offset + 1] = 0x20;
    await writeFile(file, damaged);
    await expect(loadJournal(file)).rejects.toThrow(`line ${line} (byte offset ${offset})`);
  });
});

describe('when the journal compacts', () => {
  it('When hosts with facts are saved again after a compaction, then it does not compact again until the journal holds twice its live records', async () => {
    const file = path.join(await tempDir('kickstand-journal-'), 'hosts.jsonl');
    const journal = await HostJournal.open(file, await loadJournal(file));
    const hosts = new Map<string, ReturnType<typeof host>>();
    for (let i = 0; i < 800; i++) {
      const id = `c${String(i).padStart(11, '0')}`;
      const mac = `02:00:00:01:${String(Math.floor(i / 100)).padStart(2, '0')}:${String(i % 100).padStart(2, '0')}`;
      hosts.set(id, host(id, mac));
      await journal.append([[id, facts(mac)]], [hosts.get(id)!], []);
    }
    await journal.compact(hosts);
    // 1,600 records for 800 live hosts with facts: a save of every host (800 more) is no reason to
    // rewrite the journal; counting hosts alone (2 × 800) would have compacted after the first one.
    for (const h of [...hosts.values()].slice(0, 799)) {
      await journal.append([], [{ ...h, updated_at: new Date().toISOString() }], []);
      expect(journal.needsCompaction(hosts.size)).toBe(false);
    }
    // Twice the live records (3,200) and beyond: now it pays.
    const all = [...hosts.values()];
    for (let i = 0; i < 802; i++) await journal.append([], [all[i % all.length]!], []);
    expect(journal.needsCompaction(hosts.size)).toBe(true);
    await journal.close();
  });
});
