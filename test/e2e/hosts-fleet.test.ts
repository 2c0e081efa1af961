// The hosts page with a fleet loaded (3,000 machines registered through the API), in Debian's
// Chromium: filter with the rule language, select all matching, bulk assign and land back on the same
// filtered list whose refresh keeps working (the old /hosts/bulk page answered 404 to its refresh);
// a ticked box and its focus survive a refresh that changes a row; shift-click ranges; the bulk
// confirmation dialog; a 256-character model name keeps the table inside the window at 1280 and 390 px.
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'fleet-browser-password';
const FLEET = 3000;
const LONG_MODEL = `PowerEdge ${'X'.repeat(246)}`;
const BIG = 'memory_mib >= 250000 and dmi.vendor ~ "Dell"';

let srv: TestServer;
let browser: Browser;
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });
const mac = (i: number) =>
  `b8:ca:3a:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

/** Every fifth machine is a big Dell; the first has the long model name. */
function facts(i: number) {
  const f = sampleFacts({ boot_mac: mac(i), memory_mib: i % 5 === 0 ? 524288 : 65536 });
  const dmi = f.dmi as Record<string, string>;
  if (i % 5 !== 0) dmi.vendor = 'HPE';
  if (i === 0) dmi.product = LONG_MODEL;
  return f;
}

beforeAll(async () => {
  srv = await startTestServer({ env: { KICKSTAND_REGISTER_LIMIT: '0' } });
  await request(srv.url).post('/api/v1/users').set(admin()).send({ name: 'operator', role: 'operator', password: PASSWORD }).expect(201);
  await request(srv.url).post('/api/v1/profiles').set(admin()).send({ name: 'bounce', action: 'reboot' }).expect(201);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < FLEET; i = next++) {
        const res = await fetch(`${srv.url}/api/v1/discovery`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(facts(i)),
        });
        if (res.status !== 201) throw new Error(`registration ${i}: ${res.status}`);
        await res.arrayBuffer();
      }
    }),
  );
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser.close();
  await srv.stop();
});

async function logIn(width = 1280, height = 900): Promise<{ page: Page; dialogs: string[] }> {
  const page = await browser.newPage({ viewport: { width, height } });
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`${srv.url}/hosts`);
  await page.fill('input[name="name"]', 'operator');
  await page.fill('input[name="password"]', PASSWORD);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${srv.url}/hosts`);
  return { page, dialogs };
}

const refreshes = async (page: Page) => Number((await page.getAttribute('#hosts-table', 'data-refreshes')) ?? 0);

async function afterNextRefresh(page: Page): Promise<void> {
  const before = await refreshes(page);
  await expect.poll(() => refreshes(page), { timeout: 15_000, interval: 250 }).toBeGreaterThan(before);
}

describe('the hosts page with 3,000 hosts', () => {
  it('When filtered by an expression, all matching selected and assigned, then the results land on the same filtered list and its refresh keeps working', async () => {
    const { page, dialogs } = await logIn();
    expect(await page.textContent('#hosts-count')).toMatch(/^3000 matching · 1–100 shown$/);
    expect(await page.locator('#rows tr').count()).toBe(100);

    await page.fill('input[name="where"]', BIG);
    await page.click('#query button[type="submit"]');
    await page.waitForURL(/where=/);
    expect(await page.textContent('#hosts-count')).toMatch(/^600 matching/);

    await page.check('#all-matching');
    expect(await page.textContent('#selection')).toBe('all 600 matching hosts selected');
    await page.selectOption('select[name="bulk_action"]', 'assign');
    await page.selectOption('select[name="profile"]', 'bounce');
    await page.click('#bulk-apply');
    await page.waitForURL(/done=/);
    const url = new URL(page.url());
    expect(url.pathname).toBe('/hosts');
    expect(url.searchParams.get('where')).toBe(BIG);
    expect(await page.textContent('#bulk-results')).toContain('assign: 600 assigned — all 600 matching hosts');
    expect(await page.inputValue('input[name="where"]')).toBe(BIG);
    const api = await request(srv.url).get('/api/v1/hosts').query({ state: 'assigned', limit: 1 }).set(admin()).expect(200);
    expect(api.body.total).toBe(600);

    // The bulk-404 bug: the page after a bulk action refreshes like any other.
    await afterNextRefresh(page);
    await afterNextRefresh(page);
    expect(await page.locator('#rows tr').count()).toBe(100);
    expect(dialogs).toEqual([]);
  });

  it('When a box is ticked and focused and a refresh changes its row, then the row updates in place and the tick and focus stay', async () => {
    const { page } = await logIn();
    await page.goto(`${srv.url}/hosts?limit=25`);
    const id = (await page.locator('#rows tr[data-state="discovered"]').first().getAttribute('data-id'))!;
    const first = page.locator(`#rows tr[data-id="${id}"]`);
    const box = first.locator('input[name="ids"]');
    await box.check();
    await request(srv.url).post(`/api/v1/hosts/${id}/assignment`).set(admin()).send({ profile: 'bounce' }).expect(200);
    await expect.poll(() => first.locator('.c-state').textContent(), { timeout: 15_000 }).toBe('assigned');
    expect(await first.getAttribute('data-id')).toBe(id);
    expect(await box.isChecked()).toBe(true);
    expect(await page.locator(':focus').getAttribute('value')).toBe(id);
    expect(await page.textContent('#refresh-note')).toMatch(/0 new \/ 1 changed|new \/ \d+ changed/);
  });

  it('When a box is clicked and another shift-clicked, then the range between is ticked', async () => {
    const { page } = await logIn();
    const boxes = page.locator('#rows input[name="ids"]');
    await boxes.nth(2).click();
    await boxes.nth(7).click({ modifiers: ['Shift'] });
    expect(await page.locator('#rows input[name="ids"]:checked').count()).toBe(6);
    expect(await page.textContent('#selection')).toBe('6 selected');
    await page.check('#select-page');
    expect(await page.locator('#rows input[name="ids"]:checked').count()).toBe(100);
  });

  it('When a bulk delete is applied, then a dialog asks first; cancelled, nothing is deleted; confirmed, the hosts go', async () => {
    const { page } = await logIn();
    await page.goto(`${srv.url}/hosts?state=discovered&limit=25`);
    const ids = [
      (await page.locator('#rows tr').nth(0).getAttribute('data-id'))!,
      (await page.locator('#rows tr').nth(1).getAttribute('data-id'))!,
    ];
    for (const id of ids) await page.check(`#rows input[value="${id}"]`);
    // With JavaScript the confirmation fields live in the dialog, not in the toolbar.
    expect(await page.isVisible('#bulk-confirm')).toBe(false);
    await page.selectOption('select[name="bulk_action"]', 'delete');
    await page.click('#bulk-apply');
    await page.waitForSelector('#bulk-dialog[open]');
    expect(await page.textContent('#bulk-dialog-text')).toBe('Delete 2 hosts?');
    await page.click('#bulk-dialog button:has-text("Cancel")');
    for (const id of ids) await request(srv.url).get(`/api/v1/hosts/${id}`).set(admin()).expect(200);
    await page.click('#bulk-apply');
    await page.click('#bulk-dialog-ok');
    await page.waitForURL(/done=/);
    expect(await page.textContent('#bulk-results')).toContain('delete: 2 deleted');
    for (const id of ids) await request(srv.url).get(`/api/v1/hosts/${id}`).set(admin()).expect(404);
  });

  it('When a filter has an error, then it shows at the filter box with its position', async () => {
    const { page } = await logIn();
    await page.fill('input[name="where"]', 'memory_mib >= 1 and any(nics, speed_mbps > 1)');
    await page.click('#query button[type="submit"]');
    await page.waitForSelector('#error-where');
    expect(await page.textContent('#error-where')).toMatch(/^line 1, column 25: unknown field "nics"/);
    expect(await page.getAttribute('input[name="where"]', 'aria-invalid')).toBe('true');
  });

  for (const width of [1280, 390]) {
    it(`When a host has a 256-character model name, then the table stays inside a ${width} px window and the cell shows it whole on hover`, async () => {
      const { page } = await logIn(width, 800);
      await page.goto(`${srv.url}/hosts?q=${encodeURIComponent(mac(0))}`);
      expect(await page.locator('#rows tr').count()).toBe(1);
      const title = await page.locator('#rows tr .c-model .cut').getAttribute('title');
      expect(title).toBe(`Dell Inc. ${LONG_MODEL}`);
      const table = (await page.locator('#hosts-table').boundingBox())!;
      const wrap = (await page.locator('.table-wrap').boundingBox())!;
      // Strings: the test compiles without the DOM library; this runs in the page.
      const scroll = Number(await page.evaluate("document.querySelector('.table-wrap').scrollWidth"));
      const client = Number(await page.evaluate("document.querySelector('.table-wrap').clientWidth"));
      const box = { right: table.x + table.width, wrapRight: wrap.x + wrap.width, scroll, client };
      expect(box.right).toBeLessThanOrEqual(width);
      expect(box.wrapRight).toBeLessThanOrEqual(width);
      expect(box.scroll).toBeLessThanOrEqual(box.client);
    });
  }
});
