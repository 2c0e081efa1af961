// Issue 19's upload form in a real browser (Debian's Chromium via playwright-core): an operator picks
// the docs' example packing list, presses Dry run (the plan shows, nothing is saved), then Import (the
// records are listed, the nav link leads there), then uploads a broken file and reads each problem's
// line and column with nothing imported.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser } from '../support/sessions.js';
import { tempDir } from '../support/temp.js';

const PASSWORD = 'expected-browser-password';
const EXAMPLE = path.resolve('docs/examples/expected-hosts.csv');
let srv: TestServer;
let browser: Browser;
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });
const count = async () => ((await request(srv.url).get('/api/v1/expected-hosts').set(admin())).body.expected_hosts as unknown[]).length;

beforeAll(async () => {
  srv = await startTestServer({ env: { KICKSTAND_BMC_NETWORKS: '10.20.0.0/16' } });
  await createUser(srv, 'racker', 'operator', PASSWORD);
  await request(srv.url).post('/api/v1/profiles').set(admin()).send({ name: 'web', action: 'reboot' }).expect(201);
  await request(srv.url)
    .put('/api/v1/bmc-credentials/rack-12')
    .set(admin())
    .send({ username: 'root', password: 'rack-12-password' })
    .expect(200);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
});

describe('expected hosts upload form in Chromium', () => {
  it('When an operator dry-runs, imports, then uploads a broken file, then the plan, the records and each line and column show', async () => {
    const page = await browser.newPage();
    await page.goto(`${srv.url}/hosts`);
    await page.fill('input[name="name"]', 'racker');
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${srv.url}/hosts`);
    await page.click('nav a[href="/expected-hosts"]');
    await page.waitForURL(`${srv.url}/expected-hosts`);

    await page.setInputFiles('#import-form input[type="file"]', EXAMPLE);
    await page.click('#import-dry-run');
    await page.waitForURL(/\/expected-hosts\?done=/);
    expect(await page.textContent('#import-summary')).toContain(
      'expected-hosts.csv: dry run, nothing saved — would create 5, update 0, unchanged 0.',
    );
    expect(await count()).toBe(0);

    await page.setInputFiles('#import-form input[type="file"]', EXAMPLE);
    await page.click('#import-submit');
    await page.waitForURL(/\/expected-hosts\?done=/);
    expect(await page.textContent('#import-summary')).toContain('created 5, updated 0, unchanged 0.');
    expect(await page.$$eval('#expected-hosts tbody tr', (rows) => rows.length)).toBe(5);
    expect(await page.textContent('#expected-hosts')).toContain('rack12-01');
    expect(await count()).toBe(5);

    const broken = path.join(await tempDir(), 'broken.csv');
    await writeFile(broken, 'serial,hostname,profile\nSN-9,rack12-01,web\nSN-10,ok-10,nope\n');
    await page.setInputFiles('#import-form input[type="file"]', broken);
    await page.click('#import-submit');
    await page.waitForURL(/\/expected-hosts\?done=/);
    const problems = await page.$$eval('#import-problems li', (items) => items.map((li) => li.textContent ?? ''));
    expect(problems).toEqual([
      expect.stringContaining('line 2, column 2 (hostname): "rack12-01" is already the hostname of expected host eh-'),
      'line 3, column 3 (profile): no profile named "nope"',
    ]);
    expect(await count()).toBe(5);
    await page.close();
  });
});
