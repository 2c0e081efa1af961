import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataCommand } from '../../src/cli/data.js';
import { LowdbStore } from '../../src/store/file/lowdb-store.js';
import { tempDir } from '../support/temp.js';
import { host } from './fixtures.js';

async function dataDir(): Promise<string> {
  const dir = await tempDir('kickstand-check-');
  const s = await LowdbStore.open(dir);
  await s.profiles.save({ name: 'web', action: 'reboot' } as never);
  await s.hosts.save(host('aaaaaaaaaaaa', '02:00:00:00:00:01'), {
    boot_mac: '02:00:00:00:00:01',
    nics: [{ name: 'eth0', mac: '02:00:00:00:00:01' }],
  });
  await s.hosts.save(host('bbbbbbbbbbbb', '02:00:00:00:00:02'), {
    boot_mac: '02:00:00:00:00:02',
    nics: [{ name: 'eth1', mac: '02:00:00:00:00:02' }],
  });
  await s.close();
  await (await LowdbStore.open(dir)).close(); // .last-good copies
  return dir;
}

async function check(dir: string): Promise<{ ok: boolean; out: string[] }> {
  const out: string[] = [];
  const ok = await dataCommand(['check', dir], (l) => out.push(l));
  process.exitCode = 0;
  return { ok, out };
}

describe('kickstand data check', () => {
  it('When the data dir is whole, then every file is reported ok with its counts', async () => {
    const dir = await dataDir();
    const { ok, out } = await check(dir);
    expect(ok).toBe(true);
    expect(out).toEqual([
      `ok  ${path.join(dir, 'kickstand.json')}: 1 profiles, 0 rules, 0 users, 0 audit entries`,
      `ok  ${path.join(dir, 'kickstand.json.last-good')}: 1 profiles, 0 rules, 0 users, 0 audit entries`,
      `ok  ${path.join(dir, 'hosts.jsonl')}: 2 hosts, 2 with facts, 4 records`,
      `ok  ${path.join(dir, 'hosts.jsonl.last-good')}: 2 hosts, 2 with facts, 4 records`,
    ]);
  });

  it('When a facts record is damaged inside (a start does not parse facts), then check names the host and byte offset, and changes nothing', async () => {
    const dir = await dataDir();
    const file = path.join(dir, 'hosts.jsonl');
    const text = await readFile(file, 'utf-8');
    const offset = text.indexOf('{"fid":"bbbbbbbbbbbb"');
    const damaged = text.replace('"name":"eth1"', '"name":eth1"');
    await writeFile(file, damaged);
    await (await LowdbStore.open(dir)).close(); // the start accepts it…
    const { ok, out } = await check(dir); // …the check does not
    expect(ok).toBe(false);
    const at = Buffer.byteLength(damaged.slice(0, damaged.indexOf(':eth1"') + 1));
    expect(out).toContain(
      `BAD ${file}: the facts of host bbbbbbbbbbbb (the record at byte offset ${offset}) are not valid JSON at byte offset ${at}: Unexpected token 'e'`,
    );
    expect(out.at(-1)).toBe('to recover, see docs/operations.md, "A damaged data file"');
    expect(await readFile(file, 'utf-8')).toBe(damaged);
  });

  it('When kickstand.json is damaged, then check reports its line and byte offset like the start does', async () => {
    const dir = await dataDir();
    await writeFile(path.join(dir, 'kickstand.json'), '{\n  "format": 2,\n  "profiles": {]\n}');
    const { ok, out } = await check(dir);
    expect(ok).toBe(false);
    expect(out[0]).toBe(
      `BAD ${path.join(dir, 'kickstand.json')}: line 3, column 16 (byte offset 32) is not valid JSON: Expected property name or '}'`,
    );
  });

  it('When another live process holds the data dir (boot-config beside the service), then opening the store tidies nothing', async () => {
    const dir = await dataDir();
    await writeFile(path.join(dir, 'kickstand.pid'), `${process.ppid}\n`);
    const file = path.join(dir, 'hosts.jsonl');
    const inProgress = `${await readFile(file, 'utf-8')}{"h":{"id":"being-appended`;
    await writeFile(file, inProgress);
    await writeFile(path.join(dir, 'hosts.jsonl.compact'), 'the service is compacting');
    const before = (await readdir(dir)).sort();
    const s = await LowdbStore.open(dir);
    expect(await s.hosts.list()).toHaveLength(2);
    await s.close();
    expect(await readFile(file, 'utf-8')).toBe(inProgress);
    expect((await readdir(dir)).sort()).toEqual(before);
  });
});
