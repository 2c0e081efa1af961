// The API reference page (GET /api/docs) in a real browser (Debian's Chromium): Swagger UI, served from
// the local swagger-ui-dist package, renders the operations of GET /api/v1/openapi.json under the
// app's own CSP — no violation reported, nothing asked of another host — without signing in.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

// UPDATE_SCREENSHOTS=1 refreshes docs/screenshots/api-reference.png, as test/e2e/browser.test.ts does its own.
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve('docs/screenshots') : undefined;

let srv: TestServer;
let browser: Browser;

beforeAll(async () => {
  srv = await startTestServer();
  browser = await launchChromium();
  if (SHOTS) await mkdir(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await srv?.stop();
});

describe('API reference page in Chromium', () => {
  it('When /api/docs is opened without signing in, then the operations render, with no CSP violation and no request to another host', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Counted by the page itself: the browser fires securitypolicyviolation for every blocked script,
    // style, image or connection, reported or not on the console.
    // (Strings: this file is compiled without the DOM types.)
    await page.addInitScript({
      content:
        "window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
    });
    const consoleLines: string[] = [];
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const origins = new Set<string>();
    page.on('request', (r) => origins.add(new URL(r.url()).origin));

    const res = await page.goto(`${srv.url}/api/docs`);
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${srv.url}/api/docs`);
    // The operations of the document, rendered: a path of each kind, and a tag.
    await page.locator('.opblock-summary-path', { hasText: '/api/v1/hosts' }).first().waitFor({ timeout: 30_000 });
    const paths = await page.locator('.opblock-summary-path').allTextContents();
    for (const p of ['/api/v1/hosts', '/api/v1/discovery', '/ks', '/healthz', '/api/v1/templates/{name}']) {
      expect(paths.map((t) => t.replace(/\u200b/g, ''))).toContain(p);
    }
    expect(await page.locator('.opblock-tag', { hasText: 'Machines' }).count()).toBeGreaterThan(0);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'api-reference.png') });

    // Opening an operation renders its parameters and answers from the referenced schemas.
    await page.locator('#operations-Hosts-getHost .opblock-summary-control').click();
    const opened = page.locator('#operations-Hosts-getHost');
    await opened.locator('.responses-table').first().waitFor({ timeout: 10_000 });
    const responses = (await opened.locator('.responses-table').first().textContent()) ?? '';
    for (const status of ['200', '401', '404']) expect(responses).toContain(status);
    expect(responses).toContain('boot_key_set');

    const violations = await page.evaluate<string[]>('window.cspViolations');
    expect(violations).toEqual([]);
    expect(consoleLines.filter((l) => /Content Security Policy|Refused to/i.test(l))).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect([...origins]).toEqual([new URL(srv.url).origin]);
    await page.close();
  });
});
