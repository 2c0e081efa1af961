// The template editor at 1440×900 in Chromium (issue 17): a refused save's error box sits below the
// text area, never over it; and the preview's host picker finds a waiting host by what is typed and
// previews it with its would-be hostname.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { sampleFacts } from '../support/facts.js';
import { createUser, registerMachine } from '../support/sessions.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'editor-errors-password';
let srv: TestServer;
let browser: Browser;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const templatesDir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-editor-tpl-'));
  cleanups.push(() => rm(templatesDir, { recursive: true, force: true }));
  await cp(path.resolve('kickstarts'), templatesDir, { recursive: true });
  srv = await startTestServer({ templatesDir });
  cleanups.push(() => srv.stop());
  await createUser(srv, 'author', 'author', PASSWORD);
  browser = await launchChromium();
  cleanups.push(() => browser.close());
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function logIn(page: Page) {
  await page.goto(`${srv.url}/login`);
  await page.fill('input[name="name"]', 'author');
  await page.fill('input[name="password"]', PASSWORD);
  await page.click('button[type="submit"]');
  await page.waitForLoadState('load');
}

describe('template editor at 1440×900', () => {
  it('When a save is refused, then the error box is below the text area, not drawn over it', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await logIn(page);
    await page.goto(`${srv.url}/templates/edit?name=rhel.ks.njk`);
    const shipped = await readFile(path.join(srv.templatesDir, 'rhel.ks.njk'), 'utf-8');
    await page.fill('textarea#content', shipped.replace('{{ params.repo | ksarg }}', '{{ params.repo | ksarg }'));
    await page.click('button#save');
    await page.waitForSelector('#error-content');
    const text = (await page.locator('textarea#content').boundingBox())!;
    const box = (await page.locator('.editor').boundingBox())!;
    const error = (await page.locator('#error-content').boundingBox())!;
    // The error starts where the text area (and the box around it) ends, or further down.
    expect(error.y).toBeGreaterThanOrEqual(text.y + text.height);
    expect(text.y + text.height).toBeLessThanOrEqual(box.y + box.height + 1);
    await page.close();
  });

  it("When an author types part of a waiting host's MAC in the picker, then it is offered, and its preview uses the would-be hostname", async () => {
    const mac = '52:54:00:ed:17:01';
    const reg = await registerMachine(srv.url, sampleFacts({ boot_mac: mac }));
    // A crowd the page must not list: only the first matches come back.
    for (let i = 0; i < 25; i++) await registerMachine(srv.url, sampleFacts({ boot_mac: `52:54:00:ed:18:${String(i).padStart(2, '0')}` }));
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await logIn(page);
    await page.goto(`${srv.url}/templates/edit?name=rhel.ks.njk`);
    expect(await page.locator('#host-picks option').count()).toBeLessThanOrEqual(20);
    await page.fill('#host', 'ED-17');
    await expect.poll(() => page.locator('#host-picks option').evaluateAll((o) => o.map((x) => x.getAttribute('value')))).toEqual([reg.id]);
    await page.fill('#host', reg.id);
    await page.fill('textarea[name="params"]', '{"repo": "http://127.0.0.1:1/el9", "version": "9"}');
    await page.click('button#preview');
    await page.waitForSelector('section.preview');
    expect(await page.textContent('section.preview h2')).toContain(`host-${mac.replace(/:/g, '')}`);
    expect(await page.textContent('ol.rendered')).toContain(`--hostname=host-${mac.replace(/:/g, '')}`);
    await page.close();
    expect((await request(srv.url).get(`/api/v1/hosts/${reg.id}`).set('Authorization', `Bearer ${srv.adminToken}`)).body.state).toBe(
      'discovered',
    );
  });
});
