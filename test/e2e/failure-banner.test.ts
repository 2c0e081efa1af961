// The failure banner in a real browser (Debian's Chromium): a viewer's page has none while every host
// is fine; once a machine reports `failed` through its install callback, every page shows the banner
// and the Hosts badge, and the banner's link leads to the failed hosts.
// UPDATE_SCREENSHOTS=1 refreshes docs/screenshots/failure-banner.png.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { failInstall as failedInstall } from '../support/failed-install.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'banner-test-password';
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve('docs/screenshots') : undefined;

let srv: TestServer;
let browser: Browser;

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  await request(srv.url)
    .post('/api/v1/users')
    .set({ Authorization: `Bearer ${srv.adminToken}` })
    .send({ name: 'viewer', role: 'viewer', password: PASSWORD })
    .expect(201);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser.close();
  await srv.stop();
});

async function logIn(page: Page) {
  await page.goto(`${srv.url}/profiles`);
  await page.fill('input[name="name"]', 'viewer');
  await page.fill('input[name="password"]', PASSWORD);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${srv.url}/profiles`);
}

/** A machine whose install fails, as the shipped templates' %onerror reports it. */
const failInstall = (mac: string) => failedInstall(srv.url, srv.adminToken, mac, { hostname: () => 'db-07.example.com' });

describe('failure banner in Chromium', () => {
  it('When a host reports failed, then the banner and the Hosts badge appear on every page, and the link shows the failed hosts', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await logIn(page);
    expect(await page.locator('#failure-banner').count()).toBe(0);
    expect(await page.locator('#failure-badge').count()).toBe(0);

    await failInstall('02:00:00:cc:00:01');

    for (const where of ['/profiles', '/rules', '/audit']) {
      await page.goto(`${srv.url}${where}`);
      const banner = page.locator('#failure-banner');
      expect(await banner.isVisible(), where).toBe(true);
      expect((await banner.textContent())?.replace(/\s+/g, ' '), where).toContain('1 host failed — show them: failed');
      expect(await page.textContent('#failure-badge'), where).toBe('1');
    }
    if (SHOTS) {
      await mkdir(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'failure-banner.png') });
    }
    await page.click('#show-failed');
    await page.waitForURL(`${srv.url}/hosts?state=failed`);

    // On a phone the banner stays within the screen.
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${srv.url}/profiles`);
    const box = (await page.locator('#failure-banner').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await page.close();
  });
});
