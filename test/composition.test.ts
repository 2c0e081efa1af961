// createDeps (src/composition.ts): what it opens, what it leaves alone, and what it builds only on use.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDeps } from '../src/composition.js';
import { loadConfig } from '../src/config.js';
import { createKickstartEnvironment } from '../src/kickstart/render/environment.js';
import { createLogger } from '../src/log.js';
import { LOCK_FILE } from '../src/store/file/data-lock.js';
import type { Store } from '../src/store/store.js';

vi.mock('../src/kickstart/render/environment.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/kickstart/render/environment.js')>();
  return { ...real, createKickstartEnvironment: vi.fn(real.createKickstartEnvironment) };
});

const dirs: string[] = [];
afterEach(async () => {
  vi.mocked(createKickstartEnvironment).mockClear();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function config() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-composition-'));
  dirs.push(dataDir);
  return loadConfig({
    KICKSTAND_DATA: dataDir,
    KICKSTAND_TEMPLATES: path.resolve('kickstarts'),
    KICKSTAND_ADMIN_TOKEN: 'test-admin-token-0123456789',
  });
}
const log = createLogger('silent');

describe('createDeps', () => {
  it('When deps are built with the lock, then the data dir holds this process’s pid file until close()', async () => {
    const c = await config();
    const lockFile = path.join(c.dataDir, LOCK_FILE);
    const deps = await createDeps(c, log, { lock: true, configInstallers: [] });
    expect((await readFile(lockFile, 'utf-8')).split(' ')[0]).toBe(String(process.pid));
    await deps.close();
    await expect(readFile(lockFile, 'utf-8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('When deps are built as a reader (boot-config), then no lock is taken', async () => {
    const c = await config();
    const deps = await createDeps(c, log, { reader: true, configInstallers: [] });
    await expect(readFile(path.join(c.dataDir, LOCK_FILE), 'utf-8')).rejects.toMatchObject({ code: 'ENOENT' });
    await deps.close();
  });

  it('When nothing renders (kickstand user), then no kickstart environment is built; the first use builds one, once', async () => {
    const deps = await createDeps(await config(), log, { lock: true, configInstallers: [], watchTemplates: false });
    await deps.store.users.list();
    expect(createKickstartEnvironment).not.toHaveBeenCalled();
    expect(deps.kickstarts).toBe(deps.kickstarts);
    expect(createKickstartEnvironment).toHaveBeenCalledTimes(1);
    await deps.close();
  });

  it('When a store is passed, then the deps use it and close() leaves it open: it is the caller’s', async () => {
    const close = vi.fn(async () => undefined);
    const store = { close } as unknown as Store;
    const deps = await createDeps(await config(), log, { store, configInstallers: [] });
    expect(deps.store).toBe(store);
    await deps.close();
    expect(close).not.toHaveBeenCalled();
  });
});
