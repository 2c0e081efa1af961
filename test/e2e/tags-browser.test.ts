// Tags in a real browser (Debian's Chromium): an operator defines `gpu` on the Tags page, a GPU machine
// registers and carries it (marked automatic on its page, a badge in the hosts table), the operator
// gives it free tags through the host page's form, and the hosts filter `"gpu" in tags` lists it.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { sampleFacts } from '../support/facts.js';
import { registerMachine } from '../support/sessions.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser } from '../support/sessions.js';
import { reevaluationSettled } from '../../src/tags/auto-tags.js';

const PASSWORD = 'tags-browser-password';
const GPU = { slot: '0000:3b:00.0', class: '3D controller', class_id: '0302', vendor: 'NVIDIA Corporation', vendor_id: '10de' };

let srv: TestServer;
let browser: Browser;

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  await createUser(srv, 'op', 'operator', PASSWORD);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
  await reevaluationSettled(srv.running.deps);
  await srv.stop();
});

describe('tags in Chromium', () => {
  it('When an operator defines gpu and tags a GPU machine, then its page, the table and the filter show it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${srv.url}/tags`);
    await page.fill('input[name="name"]', 'op');
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${srv.url}/tags`);

    await page.fill('#tag-form input[name="name"]', 'gpu');
    await page.fill('#tag-form textarea[name="expression"]', 'count(gpus) > 0');
    await page.click('#tag-save');
    await page.waitForURL(/\/tags\?reevaluating=0$/);
    expect(await page.textContent('#tag-gpu')).toContain('count(gpus) > 0');

    const { id } = await registerMachine(srv.url, sampleFacts({ pci: [GPU] }));
    await page.goto(`${srv.url}/hosts/${id}`);
    expect((await page.textContent('#tags .tag.auto'))?.replace(/\s+/g, ' ')).toBe('gpu auto');
    await page.fill('#tags-form input[name="tags"]', 'rack-12, db');
    await page.click('#tags-save');
    await page.waitForURL(`${srv.url}/hosts/${id}#tags`);
    expect(await page.locator('#tags a.tag:not(.auto)').allTextContents()).toEqual(['db', 'rack-12']);

    await page.goto(`${srv.url}/hosts`);
    await page.fill('input[name="where"]', '"gpu" in tags');
    await page.click('#query button[type="submit"]');
    await page.waitForURL(/where=/);
    expect(await page.locator(`#rows tr[data-id="${id}"] .tag`).allTextContents()).toEqual(['db', 'rack-12', 'gpu']);
    expect(await page.locator('#rows tr[data-id]').count()).toBe(1);
    await page.close();
  });
});
