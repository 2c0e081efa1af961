// `kickstand hosts import|export` as a person runs it: the real CLI process against a running service,
// on the docs' example file. The plan is printed, a dry run saves nothing, a bad file prints every
// problem with its line and column and exits 1, and an export imports back unchanged.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { tempDir } from '../support/temp.js';

const EXAMPLE = path.resolve('docs/examples/expected-hosts.csv');
let srv: TestServer;
let dir: string;

beforeAll(async () => {
  srv = await startTestServer();
  dir = await tempDir();
  const admin = { Authorization: `Bearer ${srv.adminToken}` };
  await request(srv.url).post('/api/v1/profiles').set(admin).send({ name: 'web', action: 'reboot' }).expect(201);
  await request(srv.url).put('/api/v1/bmc-credentials/rack-12').set(admin).send({ username: 'root', password: 'calvin-ish-1' }).expect(200);
});
afterAll(async () => srv?.stop());

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/main.ts'), 'hosts', ...args], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(srv.port),
      KICKSTAND_BIND: '127.0.0.1',
      KICKSTAND_DATA: srv.dataDir,
      KICKSTAND_ADMIN_TOKEN: srv.adminToken,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('kickstand hosts', () => {
  it('When the example file is dry-run, imported, then imported again, then the plan is printed, and the second import changes nothing', async () => {
    const dry = await cli('import', EXAMPLE, '--dry-run');
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^dry run, nothing saved: would create 5, update 0, unchanged 0\n/);
    expect(dry.stdout).toContain('+ line 2\tnew\track12-01');
    expect(
      (await request(srv.url).get('/api/v1/expected-hosts').set('Authorization', `Bearer ${srv.adminToken}`)).body.expected_hosts,
    ).toEqual([]);

    const done = await cli('import', EXAMPLE);
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^created 5, updated 0, unchanged 0\n/);
    expect(done.stdout).toMatch(/\+ line 2\teh-[a-z2-7]{12}\track12-01/);
    const again = await cli('import', EXAMPLE);
    expect(again.stdout).toBe('created 0, updated 0, unchanged 5\n');
  });

  it('When a file has bad rows, then every problem is printed with its line and column, nothing is imported, and the exit is 1', async () => {
    const bad = path.join(dir, 'bad.csv');
    await writeFile(bad, 'serial,hostname,tags\nSN-X1,bad_name!,ok\nSN-X2,fine-02,"Bad Tag"\n');
    const res = await cli('import', bad);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('the list was refused, nothing was imported:');
    expect(res.stderr).toContain('  line 2, column 2 (hostname): must be a valid hostname');
    expect(res.stderr).toContain('  line 3, column 3 (tags): "Bad" is not a tag');
    const list = await request(srv.url).get('/api/v1/expected-hosts').set('Authorization', `Bearer ${srv.adminToken}`);
    expect(list.body.expected_hosts.map((r: { match: { serial?: string } }) => r.match.serial)).not.toContain('SN-X1');
  });

  it('When the list is exported as JSON and imported back with the CLI, then every row is unchanged', async () => {
    const exported = await cli('export', '--format', 'json');
    expect(exported.code).toBe(0);
    const file = path.join(dir, 'export.json');
    await writeFile(file, exported.stdout);
    const back = await cli('import', file);
    expect(back.stdout).toBe('created 0, updated 0, unchanged 5\n');
    expect((await cli('export', '--format', 'xml')).code).toBe(2);
  });
});
