// KICKSTAND_INSTALLERS: the operator's file of installer sources. Listed beside the API's, read-only
// through the API, used by boot entries; a bad file stops `kickstand serve` naming the file and field.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startWebServer, type RunningServer } from '../../src/server.js';
import { TEST_ADMIN_TOKEN } from '../support/server.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
const tsx = path.resolve('node_modules/.bin/tsx');
const TEMPLATES = path.resolve('test/fixtures/kickstarts');

const FILE_INSTALLERS = [
  { name: 'rhel9', family: 'rhel', version: '9.4', repo: 'http://mirror.example.com/rhel9/BaseOS/x86_64/os' },
  {
    name: 'fedora42',
    family: 'fedora',
    version: '42',
    repo: 'http://mirror.example.com/fedora/42/os',
    kernel: 'http://tftp.example.com/f42/vmlinuz',
    initrd: 'http://tftp.example.com/f42/initrd.img',
  },
];

async function installersFile(content: string): Promise<string> {
  const file = path.join(await tempDir('kickstand-installers-'), 'installers.json');
  await writeFile(file, content);
  return file;
}

function env(data: string, file: string): Record<string, string> {
  return {
    PORT: '0',
    KICKSTAND_BIND: '127.0.0.1',
    KICKSTAND_DATA: data,
    KICKSTAND_TEMPLATES: TEMPLATES,
    KICKSTAND_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    KICKSTAND_INSTALLERS: file,
    KICKSTAND_LOG_LEVEL: 'silent',
  };
}

describe('a good KICKSTAND_INSTALLERS file', () => {
  let running: RunningServer;
  let file: string;
  const admin = (r: request.Test) => r.set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);

  beforeAll(async () => {
    file = await installersFile(JSON.stringify(FILE_INSTALLERS));
    const config = loadConfig(env(await tempDir('kickstand-data-'), file));
    running = await startWebServer(config, createLogger(config.logLevel));
  });
  afterAll(async () => running.stop());

  it('When the service starts with the file, then GET /api/v1/installers lists its entries (source "config") beside those added through the API', async () => {
    await admin(request(running.url).post('/api/v1/installers'))
      .send({ name: 'rhel8', family: 'rhel', version: '8.10', repo: 'http://mirror.example.com/rhel8/os' })
      .expect(201);
    const { installers } = (await admin(request(running.url).get('/api/v1/installers')).expect(200)).body as {
      installers: { name: string; source: string }[];
    };
    expect(installers.map((i) => [i.name, i.source])).toEqual([
      ['fedora42', 'config'],
      ['rhel8', 'api'],
      ['rhel9', 'config'],
    ]);
    expect((await admin(request(running.url).get('/api/v1/installers/fedora42')).expect(200)).body).toEqual({
      ...FILE_INSTALLERS[1],
      source: 'config',
    });
  });

  it('When an entry of the file is created, replaced or deleted through the API, then 409 naming the file, and it is unchanged', async () => {
    const same = { family: 'rhel', version: '9.5', repo: 'http://elsewhere.example.com/os' };
    const refusals = [
      await admin(request(running.url).post('/api/v1/installers'))
        .send({ name: 'rhel9', ...same })
        .expect(409),
      await admin(request(running.url).put('/api/v1/installers/rhel9')).send(same).expect(409),
      await admin(request(running.url).delete('/api/v1/installers/rhel9')).expect(409),
    ];
    for (const res of refusals) {
      expect(res.body.error).toMatchObject({ code: 'NAME_TAKEN', field: 'name' });
      expect(res.body.error.message).toContain(`KICKSTAND_INSTALLERS (${file})`);
    }
    expect((await admin(request(running.url).get('/api/v1/installers/rhel9')).expect(200)).body).toEqual({
      ...FILE_INSTALLERS[0],
      source: 'config',
    });
  });

  it('When a boot entry names an installer of the file, then it boots that tree', async () => {
    const res = await request(running.url).get('/boot/pxelinux?installer=fedora42').expect(200);
    expect(res.text).toContain('KERNEL http://tftp.example.com/f42/vmlinuz');
    expect(res.text).toContain('inst.repo=http://mirror.example.com/fedora/42/os');
  });
});

describe('a bad KICKSTAND_INSTALLERS file', () => {
  async function serve(file: string) {
    try {
      await run(tsx, ['src/main.ts', 'serve'], {
        env: { ...process.env, ...env(await tempDir('kickstand-data-'), file) },
        timeout: 20_000,
      });
      return { code: 0, stderr: '' };
    } catch (err) {
      const e = err as { code: number; stderr: string };
      return { code: e.code, stderr: e.stderr };
    }
  }

  it('When the file is not JSON, then `kickstand serve` exits 1 naming the file', async () => {
    const file = await installersFile('[{"name": "rhel9",');
    const res = await serve(file);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`kickstand: cannot load installers from ${file}: `);
    expect(res.stderr).toMatch(/JSON/);
  });

  it('When an entry has a bad field, or a name twice, then `kickstand serve` exits 1 naming the file and the field', async () => {
    const badFamily = await installersFile(JSON.stringify([FILE_INSTALLERS[0], { ...FILE_INSTALLERS[1], family: 'debian' }]));
    const res = await serve(badFamily);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`kickstand: cannot load installers from ${badFamily}: [1].family must be one of "rhel", "fedora"`);

    const twice = await installersFile(JSON.stringify([FILE_INSTALLERS[0], FILE_INSTALLERS[0]]));
    expect((await serve(twice)).stderr).toContain(`cannot load installers from ${twice}: [1].name "rhel9" is defined twice`);
  });
});
