// The store when the disk refuses writes, and when a data file is damaged at start. Writes are refused
// here by putting a directory where a write's temp file goes (EISDIR: works as root, where permission
// bits would not), or by closing the journal's handle; test/faults/disk-faults.test.ts does the same
// on a real full and read-only file system.
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Profile } from '../../src/profiles/profile.js';
import { LowdbStore } from '../../src/store/file/lowdb-store.js';
import { StoreOpenError } from '../../src/store/file/last-good.js';
import type { TemplateVersion } from '../../src/templates/version.js';
import { tempDir } from '../support/temp.js';
import { bytes, host } from './fixtures.js';

interface Line {
  level: string;
  obj: Record<string, unknown>;
  msg: string;
}
function memoryLog() {
  const lines: Line[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => void lines.push({ level, obj, msg });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } as never };
}

async function until(what: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function openFailure(dir: string): Promise<Error> {
  try {
    await (await LowdbStore.open(dir)).close();
  } catch (err) {
    return err as Error;
  }
  throw new Error(`${dir} opened`);
}

const profile = (name: string) => ({ name, action: 'reboot', created_at: 'now', updated_at: 'now' }) as unknown as Profile;

describe('LowdbStore when the disk refuses writes', () => {
  it('When kickstand.json cannot be written, then document changes get 503 naming it and the errno, registrations still succeed, and the change is written by itself once the disk is back', async () => {
    const dir = await tempDir('kickstand-faults-');
    const { lines, log } = memoryLog();
    const s = await LowdbStore.open(dir, { log, retryMs: 20 });
    await s.profiles.save(profile('before'));
    const document = await readFile(path.join(dir, 'kickstand.json'));
    await mkdir(path.join(dir, '.kickstand.json.tmp'));

    const refused = s.profiles.save(profile('during'));
    await expect(refused).rejects.toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
      status: 503,
      detail: { file: path.join(dir, 'kickstand.json'), errno: 'EISDIR' },
    });
    await expect(refused).rejects.toThrow(
      /^cannot write kickstand\.json in the data dir: EISDIR \(illegal operation on a directory\); the change is kept/,
    );
    expect(bytes(await readFile(path.join(dir, 'kickstand.json')))).toEqual(bytes(document));
    // The journal is another file with its own commit: machines keep registering.
    await s.hosts.save(host('aaaaaaaaaaaa', '02:00:00:00:00:01'));
    // One log line for the episode, naming the file and the errno (each 503 is logged by the error handler).
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.length).toBe(1);
    expect(errors[0]).toMatchObject({ obj: { file: path.join(dir, 'kickstand.json'), errno: 'EISDIR' } });
    expect(errors[0]!.msg).toContain(`cannot write ${path.join(dir, 'kickstand.json')}: EISDIR`);

    await rm(path.join(dir, '.kickstand.json.tmp'), { recursive: true });
    await until(async () => (await readFile(path.join(dir, 'kickstand.json'), 'utf-8')).includes('"during"'));
    await until(async () => lines.some((l) => l.msg.startsWith('the data dir takes writes again')));
    await s.close();
    const again = await LowdbStore.open(dir);
    expect((await again.profiles.list()).map((p) => p.name)).toEqual(['before', 'during']);
    expect(await again.hosts.get('aaaaaaaaaaaa')).toBeDefined();
    await again.close();
  });

  it('When the journal refuses a registration, then nothing later re-saves it, yet it is stored once the disk is back (retried by itself)', async () => {
    const dir = await tempDir('kickstand-faults-');
    const s = await LowdbStore.open(dir, { retryMs: 50 });
    const journal = (s as unknown as { journal: { appender: FileHandle } }).journal;
    await journal.appender.close();
    await expect(
      s.hosts.save(host('bbbbbbbbbbbb', '02:00:00:00:00:02'), { boot_mac: '02:00:00:00:00:02', nics: [] }),
    ).rejects.toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
      message: expect.stringMatching(/^cannot write hosts\.jsonl in the data dir: EBADF/),
    });
    journal.appender = await open(path.join(dir, 'hosts.jsonl'), 'a');
    await until(async () => (await readFile(path.join(dir, 'hosts.jsonl'), 'utf-8')).includes('bbbbbbbbbbbb'));
    await s.close();
    const again = await LowdbStore.open(dir);
    expect((await again.hosts.getFacts('bbbbbbbbbbbb'))?.boot_mac).toBe('02:00:00:00:00:02');
    await again.close();
  });

  it('When an install log or a template version cannot be written, then 503 names the file, and no temp file is left', async () => {
    const dir = await tempDir('kickstand-faults-');
    const s = await LowdbStore.open(dir);
    await mkdir(path.join(dir, 'logs', 'cccccccccccc.log.tmp', 'x'), { recursive: true });
    await expect(s.hosts.saveInstallLog('cccccccccccc', 'anaconda said no')).rejects.toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
      message: expect.stringMatching(/^cannot write logs\/cccccccccccc\.log in the data dir: EISDIR/),
    });
    const version = {
      name: 'snippets/net.njk',
      version: 1,
      content: 'x',
      sha256: 'y',
      author: 'ann',
      at: 'now',
      action: 'create',
    } as TemplateVersion;
    await mkdir(path.join(dir, 'templates', 'snippets%2Fnet.njk.json.tmp', 'x'), { recursive: true });
    await expect(s.templates.append(version)).rejects.toThrow(/^cannot write templates\/snippets%2Fnet\.njk\.json in the data dir: EISDIR/);
    // The next append (disk back) is not stuck behind the failed one.
    await rm(path.join(dir, 'templates', 'snippets%2Fnet.njk.json.tmp'), { recursive: true });
    await s.templates.append(version);
    expect(await s.templates.list('snippets/net.njk')).toHaveLength(1);
    expect(await readdir(path.join(dir, 'templates'))).toEqual(['snippets%2Fnet.njk.json']);
    await s.close();
  });
});

describe('LowdbStore with a damaged data file at start', () => {
  async function dataDir(): Promise<string> {
    const dir = await tempDir('kickstand-corrupt-');
    const s = await LowdbStore.open(dir);
    await s.profiles.save(profile('web'));
    await s.hosts.save(host('aaaaaaaaaaaa', '02:00:00:00:00:01'));
    await s.hosts.save(host('bbbbbbbbbbbb', '02:00:00:00:00:02'));
    await s.close();
    return dir;
  }

  it('When a start succeeds, then each data file is copied to <file>.last-good as it loaded, and leftover temp files are removed', async () => {
    const dir = await dataDir();
    await writeFile(path.join(dir, 'hosts.jsonl.compact'), 'half a compaction');
    await writeFile(path.join(dir, '.kickstand.json.tmp'), '{"half');
    const s = await LowdbStore.open(dir);
    for (const name of ['kickstand.json', 'hosts.jsonl']) {
      expect(bytes(await readFile(path.join(dir, `${name}.last-good`)))).toEqual(bytes(await readFile(path.join(dir, name))));
    }
    await s.hosts.save(host('cccccccccccc', '02:00:00:00:00:03'));
    await s.close();
    expect((await readdir(dir)).sort()).toEqual([
      'hosts.jsonl',
      'hosts.jsonl.last-good',
      'kickstand.json',
      'kickstand.json.last-good',
      'logs',
      'templates',
    ]);
    // The copy is of the start, not of what came after.
    expect((await readFile(path.join(dir, 'hosts.jsonl.last-good'), 'utf-8')).includes('cccccccccccc')).toBe(false);
  });

  it('When kickstand.json does not parse, then the start fails naming the file, line, column and byte offset, the last good copy and the docs, and the file is untouched', async () => {
    const dir = await dataDir();
    await LowdbStore.open(dir).then((s) => s.close()); // makes the .last-good copies
    const file = path.join(dir, 'kickstand.json');
    const good = await readFile(file, 'utf-8');
    const broken = good.replace('"profiles": {', '"profiles": {,');
    await writeFile(file, broken);
    const offset = broken.indexOf('{,') + 1;
    const line = broken.slice(0, offset).split('\n').length;
    const err = await openFailure(dir);
    expect(err).toBeInstanceOf(StoreOpenError);
    const { mtime } = await stat(`${file}.last-good`);
    expect(err.message).toBe(
      `cannot load ${file}: line ${line}, column 16 (byte offset ${offset}) is not valid JSON: Expected property name or '}'\n` +
        `The file is left as it is. ${file}.last-good is the copy that loaded at the last successful start (${mtime.toISOString()}); to recover, see docs/operations.md, "A damaged data file".`,
    );
    expect(await readFile(file, 'utf-8')).toBe(broken);
    // The documented recovery: put the last good copy back.
    await copyFile(`${file}.last-good`, file);
    const s = await LowdbStore.open(dir);
    expect((await s.profiles.list()).map((p) => p.name)).toEqual(['web']);
    await s.close();
  });

  it('When hosts.jsonl has a damaged line in the middle, then the start fails naming its line and byte offset and the last good copy; the good part before it is recoverable', async () => {
    const dir = await dataDir();
    await LowdbStore.open(dir).then((s) => s.close());
    const file = path.join(dir, 'hosts.jsonl');
    const lines = (await readFile(file, 'utf-8')).split('\n');
    const damaged = [lines[0], 'garbage', ...lines.slice(1)].join('\n');
    await writeFile(file, damaged);
    const offset = Buffer.byteLength(lines[0]!) + 1;
    const err = await openFailure(dir);
    expect(err.message).toMatch(new RegExp(`^cannot load ${file}: line 2 \\(byte offset ${offset}\\) is not a host record: `));
    expect(err.message).toContain(`${file}.last-good is the copy that loaded at the last successful start`);
    expect(err.message).toContain('docs/operations.md, "A damaged data file"');
    expect(await readFile(file, 'utf-8')).toBe(damaged);
    // Recovery by keeping what is before the offset (docs: head -c OFFSET).
    await writeFile(file, (await readFile(file)).subarray(0, offset));
    const s = await LowdbStore.open(dir);
    expect((await s.hosts.list()).map((h) => h.id)).toEqual(['aaaaaaaaaaaa']);
    await s.close();
  });

  it('When no last good copy exists yet, then the start error says so', async () => {
    const dir = await tempDir('kickstand-corrupt-');
    await writeFile(path.join(dir, 'kickstand.json'), '{"format": 2, "profiles": {}');
    await expect(LowdbStore.open(dir)).rejects.toThrow(
      `There is no ${path.join(dir, 'kickstand.json')}.last-good (one is made at each successful start)`,
    );
  });
});
