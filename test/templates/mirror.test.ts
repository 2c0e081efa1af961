// The templates folder as a mirror of the database (src/templates/mirror.ts, database.ts), against a
// history kept in memory: what a notice handler has awaited is on disk and the renderer told, hand
// edits and strays are named once, and the folder is imported into the history once.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/templates/edit.js';
import { openDatabaseTemplates, type TemplateDatabase } from '../../src/templates/database.js';
import { SET_ASIDE_SUFFIX } from '../../src/templates/mirror.js';
import type { TemplateVersion } from '../../src/templates/version.js';
import { Mutex } from '../../src/util/mutex.js';
import { tempDir } from '../support/temp.js';

type Listener = Parameters<TemplateDatabase['onChange']>[0];

/** A database of template histories in memory, with the notice listener it was given. */
function fakeDatabase() {
  const versions = new Map<string, TemplateVersion[]>();
  const listeners: Listener[] = [];
  let seeded = false;
  const db: TemplateDatabase = {
    templates: {
      list: async (name) => [...(versions.get(name) ?? [])],
      append: async (v) => void versions.set(v.name, [...(versions.get(v.name) ?? []), v]),
      latest: async () => [...versions.values()].map((vs) => vs.at(-1)!),
      seeded: async () => seeded,
      seed: async (vs) => {
        for (const v of vs) versions.set(v.name, [...(versions.get(v.name) ?? []), v]);
        seeded = true;
      },
    },
    onChange: (listener) => void listeners.push(listener),
  };
  /** Another instance appended a version of `name`: the store tells the listeners, in order. */
  const savedElsewhere = async (name: string, content: string) => {
    const n = (versions.get(name)?.length ?? 0) + 1;
    await db.templates.append({ name, version: n, content, sha256: sha256(content), author: 'b', at: '', action: 'save' });
    for (const listener of listeners) await listener({ kind: 'template', key: name });
  };
  return { db, versions, savedElsewhere };
}

function recordingLog() {
  const warnings: { template?: unknown; msg: string }[] = [];
  const log = {
    info: () => undefined,
    warn: (obj: { template?: unknown }, msg: string) => void warnings.push({ ...obj, msg }),
    error: () => undefined,
  };
  return { log: log as never, warnings };
}

async function folder(files: Record<string, string>): Promise<string> {
  const root = await tempDir('kickstand-mirror-');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
  return root;
}

describe('templates folder mirrored from the database', () => {
  it('When the database is empty, then every template file is imported as version 1 and the folder is left as it was', async () => {
    const { db, versions } = fakeDatabase();
    const root = await folder({ 'a.ks.njk': 'A\n', 'snippets/b.njk': 'B\n', 'samples/x.json': '{}' });
    const { log, warnings } = recordingLog();
    const opened = await openDatabaseTemplates(db, root, new Mutex(), log, () => undefined);
    expect([...versions.keys()].sort()).toEqual(['a.ks.njk', 'snippets/b.njk']);
    expect(versions.get('a.ks.njk')).toEqual([
      expect.objectContaining({ version: 1, content: 'A\n', action: 'import', author: 'disk', message: 'as found on disk at first start' }),
    ]);
    expect(warnings).toEqual([]);
    expect(await opened.source.current('snippets/b.njk')).toBe('B\n');
    await opened.close();
  });

  it('When the database holds histories but never imported the folder, then only files that are not their latest version are recorded, once', async () => {
    const { db, versions, savedElsewhere } = fakeDatabase();
    await savedElsewhere('a.ks.njk', 'A1\n');
    await savedElsewhere('b.ks.njk', 'B1\n');
    const root = await folder({ 'a.ks.njk': 'A1\n', 'b.ks.njk': 'B2 on disk\n', 'stub.ks.njk': 'S\n' });
    const { log, warnings } = recordingLog();
    await (await openDatabaseTemplates(db, root, new Mutex(), log, () => undefined)).close();
    expect(versions.get('a.ks.njk')).toHaveLength(1);
    expect(versions.get('b.ks.njk')?.at(-1)).toMatchObject({ version: 2, content: 'B2 on disk\n', action: 'import', author: 'disk' });
    expect(versions.get('stub.ks.njk')).toEqual([expect.objectContaining({ version: 1, content: 'S\n' })]);
    expect(warnings).toEqual([]);
    await writeFile(path.join(root, 'stub.ks.njk'), 'S edited\n');
    await (await openDatabaseTemplates(db, root, new Mutex(), log, () => undefined)).close();
    expect(versions.get('stub.ks.njk')).toHaveLength(1);
    expect(await readFile(path.join(root, 'stub.ks.njk'), 'utf-8')).toBe('S\n');
  });

  it('When the first instance starts with an empty folder, then the import waits for one with templates', async () => {
    const { db, versions } = fakeDatabase();
    await (await openDatabaseTemplates(db, await folder({}), new Mutex(), recordingLog().log, () => undefined)).close();
    await (await openDatabaseTemplates(db, await folder({ 'a.ks.njk': 'A\n' }), new Mutex(), recordingLog().log, () => undefined)).close();
    expect(versions.get('a.ks.njk')).toHaveLength(1);
  });

  it('When another instance saves, then once the notice is handled the file holds the new text and the renderer was told', async () => {
    const { db, savedElsewhere } = fakeDatabase();
    const root = await folder({ 'a.ks.njk': 'A1\n' });
    let invalidated = 0;
    const opened = await openDatabaseTemplates(db, root, new Mutex(), recordingLog().log, () => invalidated++);
    expect(invalidated).toBe(0);
    await savedElsewhere('a.ks.njk', 'A2\n');
    expect(await readFile(path.join(root, 'a.ks.njk'), 'utf-8')).toBe('A2\n');
    expect(invalidated).toBe(1);
    await savedElsewhere('snippets/new.njk', 'N\n');
    expect(await readFile(path.join(root, 'snippets/new.njk'), 'utf-8')).toBe('N\n');
    expect(invalidated).toBe(2);
    await opened.close();
  });

  it('When a later start finds files edited by hand, older versions and strays, then the database wins, nothing is imported, and only hand edits and strays are named', async () => {
    const { db, versions, savedElsewhere } = fakeDatabase();
    const root = await folder({ 'a.ks.njk': 'A1\n', 'b.ks.njk': 'B1\n' });
    await (await openDatabaseTemplates(db, root, new Mutex(), recordingLog().log, () => undefined)).close();
    // While this instance was down: another saved both; here, a hand edit of one and a new file.
    await savedElsewhere('a.ks.njk', 'A2\n');
    await savedElsewhere('b.ks.njk', 'B2\n');
    await writeFile(path.join(root, 'a.ks.njk'), 'edited by hand\n');
    await writeFile(path.join(root, 'stray.sh'), 'echo stray\n');
    const { log, warnings } = recordingLog();
    let invalidated = 0;
    const opened = await openDatabaseTemplates(db, root, new Mutex(), log, () => invalidated++);
    const read = (name: string) => readFile(path.join(root, name), 'utf-8');
    expect([await read('a.ks.njk'), await read('b.ks.njk'), await read(`stray.sh${SET_ASIDE_SUFFIX}`)]).toEqual([
      'A2\n',
      'B2\n',
      'echo stray\n',
    ]);
    expect(warnings.map((w) => w.template).sort()).toEqual(['a.ks.njk', 'stray.sh']);
    expect([...versions.keys()].sort()).toEqual(['a.ks.njk', 'b.ks.njk']);
    expect(versions.get('a.ks.njk')).toHaveLength(2);
    expect(invalidated).toBe(1);
    await opened.close();
  });

  it('When this instance saves, then the version is appended before the folder is written', async () => {
    const { db, versions } = fakeDatabase();
    const root = await folder({ 'a.ks.njk': 'A1\n' });
    const opened = await openDatabaseTemplates(db, root, new Mutex(), recordingLog().log, () => undefined);
    const next: TemplateVersion = {
      name: 'a.ks.njk',
      version: 2,
      content: 'A2\n',
      sha256: sha256('A2\n'),
      author: 'me',
      at: '',
      action: 'save',
    };
    await opened.source.save(next, 'A1\n');
    expect(versions.get('a.ks.njk')?.at(-1)).toEqual(next);
    expect(await readFile(path.join(root, 'a.ks.njk'), 'utf-8')).toBe('A2\n');
    // Refused by the database: the folder keeps the text in service.
    db.templates.append = () => Promise.reject(new Error('database down'));
    await expect(opened.source.save({ ...next, version: 3, content: 'A3\n' }, 'A2\n')).rejects.toThrow('database down');
    expect(await readFile(path.join(root, 'a.ks.njk'), 'utf-8')).toBe('A2\n');
    await opened.close();
  });
});
