// Issue 13 in a real browser (Debian's Chromium via playwright-core): the audit page's filter form and
// its pages, and a session ended mid-use — its user deleted by an admin — sent to the login form at the
// next click.
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webLogin } from '../support/sessions.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'audit-browser-password';
let srv: TestServer;
let browser: Browser;

beforeAll(async () => {
  srv = await startTestServer();
  await request(srv.url)
    .post('/api/v1/users')
    .set('Authorization', `Bearer ${srv.adminToken}`)
    .send({ name: 'watcher', role: 'viewer', password: PASSWORD })
    .expect(201);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
});

describe('audit page and ended sessions in Chromium', () => {
  it('When a viewer filters the audit and pages back, then only matching rows show; once the user is deleted, the next click lands on the login form', async () => {
    await webLogin(srv, 'watcher', PASSWORD); // an earlier login: two entries to page through
    const page = await browser.newPage();
    await page.goto(`${srv.url}/audit`);
    await page.fill('input[name="name"]', 'watcher');
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${srv.url}/audit`);

    await page.fill('input[name="actor"]', 'watcher');
    await page.fill('input[name="action"]', 'login');
    await page.fill('input[name="limit"]', '1');
    await page.click('form.audit-filter button[type="submit"]');
    await page.waitForURL(/\/audit\?actor=watcher&action=login/);
    const rows = () => page.$$eval('tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
    const newest = await rows();
    expect(newest).toHaveLength(1);
    expect(newest[0]).toContain('watcher');
    expect(newest[0]).toContain('login');

    await page.click('a[rel="next"]');
    await page.waitForURL(/cursor=\d+/);
    const older = await rows();
    expect(older).toHaveLength(1);
    expect(older[0]).not.toBe(newest[0]);
    expect(await page.inputValue('input[name="action"]')).toBe('login');

    // An admin deletes the user while the page is open: the next click ends up at the login form.
    await request(srv.url).delete('/api/v1/users/watcher').set('Authorization', `Bearer ${srv.adminToken}`).expect(204);
    await page.click('a[rel="first"]');
    await page.waitForURL(/\/login\?next=/);
    expect(await page.isVisible('input[name="password"]')).toBe(true);
    await page.close();
  }, 60_000);
});
