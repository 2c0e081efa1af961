// The CLI refuses to start on bad configuration, naming each bad variable.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
const tsx = path.resolve('node_modules/.bin/tsx');

async function start(env: Record<string, string>) {
  try {
    await run(tsx, ['src/main.ts', 'serve'], { env: { ...process.env, ...env }, timeout: 20_000 });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('kickstand serve', () => {
  it('When PORT and the templates folder are wrong, then it exits 1 naming both', async () => {
    const data = await tempDir('kickstand-main-');
    const res = await start({ PORT: 'http', KICKSTAND_DATA: data, KICKSTAND_TEMPLATES: '/nonexistent/templates' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('PORT="http"');
  });

  it('When the templates folder does not exist, then it exits 1 naming KICKSTAND_TEMPLATES', async () => {
    const data = await tempDir('kickstand-main-');
    const res = await start({ PORT: '0', KICKSTAND_BIND: '127.0.0.1', KICKSTAND_DATA: data, KICKSTAND_TEMPLATES: '/nonexistent/templates' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('KICKSTAND_TEMPLATES="/nonexistent/templates": not a folder');
  });

  it('When the data file is corrupt, then it exits 1 naming the file', async () => {
    const data = await tempDir('kickstand-main-');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(data, 'kickstand.json'), '{"hosts": [');
    const res = await start({ PORT: '0', KICKSTAND_BIND: '127.0.0.1', KICKSTAND_DATA: data, KICKSTAND_TEMPLATES: 'test/fixtures/kickstarts' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`cannot load ${path.join(data, 'kickstand.json')}`);
  });

  it('When the command is unknown, then it exits 2 with usage', async () => {
    try {
      await run(tsx, ['src/main.ts', 'frobnicate']);
      expect.unreachable();
    } catch (err) {
      expect((err as { code: number }).code).toBe(2);
      expect((err as { stderr: string }).stderr).toContain('usage: kickstand');
    }
  });
});
