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
    const res = await start({
      PORT: '0',
      KICKSTAND_BIND: '127.0.0.1',
      KICKSTAND_DATA: data,
      KICKSTAND_TEMPLATES: '/nonexistent/templates',
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('KICKSTAND_TEMPLATES="/nonexistent/templates": not a folder');
  });

  it('When the data file is corrupt, then it exits 1 naming the file', async () => {
    const data = await tempDir('kickstand-main-');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(data, 'kickstand.json'), '{"hosts": [');
    const res = await start({
      PORT: '0',
      KICKSTAND_BIND: '127.0.0.1',
      KICKSTAND_DATA: data,
      KICKSTAND_TEMPLATES: 'test/fixtures/kickstarts',
    });
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

describe('kickstand user', () => {
  const cli = async (args: string[], env: Record<string, string>) => {
    try {
      const { stdout } = await run(tsx, ['src/main.ts', 'user', ...args], { env: { ...process.env, ...env }, timeout: 20_000 });
      return { code: 0, stdout, stderr: '' };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return e;
    }
  };

  it('When users are added and listed from the shell, then the data dir holds them and a token is printed once', async () => {
    const data = await tempDir('kickstand-main-');
    const env = { KICKSTAND_DATA: data, KICKSTAND_TEMPLATES: 'test/fixtures/kickstarts', KICKSTAND_USER_PASSWORD: 'a-long-password-1' };
    expect((await cli(['add', 'eve', '--role', 'operator'], env)).stdout).toContain('created eve (operator)');
    const token = await cli(['token', 'eve', '--name', 'ci'], env);
    expect(token.stdout).toMatch(/shown once\):\n {2}ks_[A-Za-z0-9_-]{44}\n/);
    expect((await cli(['list'], env)).stdout).toMatch(/^eve\toperator\t1 token\(s\)/m);
    const generated = await cli(['reset', 'eve'], { ...env, KICKSTAND_USER_PASSWORD: '' });
    expect(generated.stdout).toMatch(/new password of eve:\n {2}[A-Za-z0-9_-]{20}/);
    expect((await cli(['add', 'eve', '--role', 'boss'], env)).stderr).toContain('role must be one of');
    expect((await cli(['frob'], env)).code).toBe(2);
  });

  it('When the service runs on the data dir, then the CLI refuses and names the process', async () => {
    const { startTestServer } = await import('../support/server.js');
    const srv = await startTestServer({ templatesDir: 'test/fixtures/kickstarts' });
    try {
      const res = await cli(['list'], { KICKSTAND_DATA: srv.dataDir, KICKSTAND_TEMPLATES: 'test/fixtures/kickstarts' });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`is in use by process ${process.pid}`);
    } finally {
      await srv.stop();
    }
  });
});
