// The site-wide layout in a real browser (Debian's Chromium): no page scrolls sideways on a phone
// (390 px) or a laptop (1280 px), even with a 256-character model name; dark mode follows the system;
// the host page's delete asks for an installed host's name; the boot page warns about a URL machines
// cannot reach and its copy buttons copy.
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { sampleFacts } from '../support/facts.js';
import { createUser } from '../support/sessions.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'layout-test-password';
const LONG_MODEL = `PowerEdge-${'X'.repeat(246)}`;
const INSTALLED = 'db-installed-01.example.com';

let srv: TestServer;
let configured: TestServer;
let browser: Browser;
let longHost: string;
let installedHost: string;
const contexts: BrowserContext[] = [];
const admin = (r: request.Test) => r.set('Authorization', `Bearer ${srv.adminToken}`);

async function logIn(context: BrowserContext, server: TestServer = srv): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${server.url}/login`);
  await page.fill('input[name="name"]', 'op');
  await page.fill('input[name="password"]', PASSWORD);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${server.url}/hosts`);
  return page;
}

async function newContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  contexts.push(context);
  return context;
}

/** Runs `js` in the page (a string: this project's TypeScript has no DOM types). */
const inPage = <T>(page: Page, js: string): Promise<T> => page.evaluate<T>(js);
const overflow = (page: Page) =>
  inPage<{ scroll: number; inner: number }>(page, '({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })');

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  configured = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts'), publicUrl: 'http://192.0.2.10:8080' });
  for (const s of [srv, configured]) await createUser(s, 'op', 'operator', PASSWORD);
  // A machine with a 256-character model name, in every field a page shows a model in.
  const facts = sampleFacts();
  (facts.dmi as Record<string, string>).product = LONG_MODEL;
  facts.cpu.model = LONG_MODEL;
  facts.disks[0]!.model = LONG_MODEL;
  // And the deeper inventory (views/host-inventory.njk): a PCI device, a switch port, a DIMM, the TPM.
  Object.assign(facts.nics[0]!, {
    firmware: LONG_MODEL,
    driver_version: '1.13.7-k',
    lldp: { switch: LONG_MODEL, port: LONG_MODEL, port_description: LONG_MODEL, vlan: 120 },
  });
  Object.assign(facts, {
    pci: [
      {
        slot: '0000:17:00.0',
        class: 'VGA compatible controller',
        class_id: '0300',
        vendor: LONG_MODEL,
        device: LONG_MODEL,
        driver: 'nvidia',
      },
    ],
    dimms: [{ locator: 'DIMM_A1', bank: LONG_MODEL, size_mib: 32768, type: 'DDR5', speed_mts: 4800, part_number: LONG_MODEL }],
    tpm: { present: true, version: '2.0', manufacturer: LONG_MODEL },
  });
  longHost = ((await request(srv.url).post('/api/v1/discovery').send(facts).expect(201)).body as { id: string }).id;
  await admin(request(srv.url).post('/api/v1/profiles'))
    .send({ name: 'plain', action: 'kickstart', template: 'plain.ks.njk', params: {}, description: LONG_MODEL })
    .expect(201);
  await admin(request(srv.url).post('/api/v1/rules'))
    .send({ name: 'long', expression: `dmi.product == "${LONG_MODEL}"`, profile: 'plain', hostname_pattern: 'n-{{ seq(2) }}.example.com' })
    .expect(201);
  // An installed host, through its real lifecycle.
  const reg = (await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201)).body as { id: string; token: string };
  installedHost = reg.id;
  await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/assignment`))
    .send({ profile: 'plain', hostname: INSTALLED })
    .expect(200);
  await request(srv.url).get(`/api/v1/discovery/${reg.id}/next`).set('Authorization', `Bearer ${reg.token}`).expect(200);
  await request(srv.url)
    .post(`/api/v1/discovery/${reg.id}/events`)
    .set('Authorization', `Bearer ${reg.token}`)
    .send({ stage: 'installed' })
    .expect(200);
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser.close();
  await srv.stop();
  await configured.stop();
});

describe('layout in Chromium', () => {
  it('When every main page is shown at 390, 1280 and 2560 px with a 256-character model name, then none is wider than the window', async () => {
    const pages = ['/hosts', `/hosts/${longHost}`, '/rules', '/rules/long', '/profiles', '/templates', '/audit', '/boot'];
    for (const width of [390, 1280, 2560]) {
      const page = await logIn(await newContext({ viewport: { width, height: 800 } }));
      for (const url of pages) {
        await page.goto(`${srv.url}${url}`);
        const { scroll, inner } = await overflow(page);
        expect(scroll, `${url} at ${width} px`).toBeLessThanOrEqual(inner);
      }
      // The long model is there, cut or wrapped, and whole in a title where it is cut.
      await page.goto(`${srv.url}/hosts/${longHost}`);
      expect(await page.locator(`span.cut[title*="${LONG_MODEL}"]`).count()).toBeGreaterThan(0);
      expect(await page.locator('details.inventory[open]').count(), 'the inventory sections, open').toBe(4);
    }
  });

  it('When the system prefers dark, then the page background turns dark; light, then light', async () => {
    const page = await logIn(await newContext({ viewport: { width: 1280, height: 800 } }));
    const background = () => inPage<string>(page, 'getComputedStyle(document.body).backgroundColor');
    const luminance = (rgb: string) => {
      const [r, g, b] = (rgb.match(/\d+/g) ?? []).map(Number);
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await background();
    expect(dark).not.toBe(light);
    expect(luminance(light)).toBeGreaterThan(200);
    expect(luminance(dark)).toBeLessThan(60);
    // Text stays readable: light text on the dark background.
    expect(luminance(await inPage<string>(page, 'getComputedStyle(document.body).color'))).toBeGreaterThan(180);
  });
});

describe('host page confirmations in Chromium', () => {
  it('When an operator deletes an installed host, then the button asks for its hostname and stays disabled until it is typed', async () => {
    const page = await logIn(await newContext({ viewport: { width: 390, height: 800 } }));
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${srv.url}/hosts/${installedHost}`);
    expect(await page.isVisible('#confirm-delete')).toBe(false);
    await page.click('#delete');
    expect(await page.isVisible('#confirm-delete')).toBe(true);
    expect(await page.isDisabled('#delete')).toBe(true);
    await page.fill('#confirm-delete', 'db-installed-02.example.com');
    expect(await page.isDisabled('#delete')).toBe(true);
    await page.press('#confirm-delete', 'Enter');
    expect(page.url()).toBe(`${srv.url}/hosts/${installedHost}`);
    await admin(request(srv.url).get(`/api/v1/hosts/${installedHost}`)).expect(200);
    await page.fill('#confirm-delete', INSTALLED);
    expect(await page.isDisabled('#delete')).toBe(false);
    await page.click('#delete');
    await page.waitForURL(`${srv.url}/hosts`);
    await admin(request(srv.url).get(`/api/v1/hosts/${installedHost}`)).expect(404);
    expect(dialogs).toEqual([]);
  });

  it('When an operator deletes a waiting host, then a dialog asks; cancelled, the host stays; accepted, it is gone', async () => {
    const { id } = (await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201)).body as { id: string };
    const page = await logIn(await newContext({ viewport: { width: 1280, height: 800 } }));
    await page.goto(`${srv.url}/hosts/${id}`);
    expect(await page.isVisible('#confirm-delete')).toBe(false);
    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    await page.click('#delete');
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toMatch(/^Delete .+ and its facts\?$/);
    await admin(request(srv.url).get(`/api/v1/hosts/${id}`)).expect(200);
    page.once('dialog', (d) => void d.accept());
    await page.click('#delete');
    await page.waitForURL(`${srv.url}/hosts`);
    await admin(request(srv.url).get(`/api/v1/hosts/${id}`)).expect(404);
  });

  it('When JavaScript is off, then the installed host form still shows the name field, and the server still refuses a wrong name', async () => {
    const reg = (await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201)).body as { id: string; token: string };
    await admin(request(srv.url).post(`/api/v1/hosts/${reg.id}/assignment`))
      .send({ profile: 'plain', hostname: 'nojs.example.com' })
      .expect(200);
    await request(srv.url).get(`/api/v1/discovery/${reg.id}/next`).set('Authorization', `Bearer ${reg.token}`).expect(200);
    await request(srv.url)
      .post(`/api/v1/discovery/${reg.id}/events`)
      .set('Authorization', `Bearer ${reg.token}`)
      .send({ stage: 'installed' })
      .expect(200);
    const page = await logIn(await newContext({ viewport: { width: 1280, height: 800 }, javaScriptEnabled: false }));
    await page.goto(`${srv.url}/hosts/${reg.id}`);
    expect(await page.isVisible('#confirm-delete')).toBe(true);
    // Bypass the browser's own `required` check: the server is the gate.
    await inPage(page, "document.querySelector('#confirm-delete').removeAttribute('required')");
    await page.fill('#confirm-delete', 'wrong.example.com');
    await page.click('#delete');
    await page.waitForSelector('#error-delete');
    expect(await page.textContent('#error-delete')).toContain('type nojs.example.com to delete it');
    await admin(request(srv.url).get(`/api/v1/hosts/${reg.id}`)).expect(200);
  });
});

describe('boot page in Chromium', () => {
  it('When KICKSTAND_URL is unset, then the page warns that machines may not reach the loopback URL; when it is set, no warning', async () => {
    const page = await logIn(await newContext({ viewport: { width: 390, height: 800 } }));
    await page.goto(`${srv.url}/boot`);
    expect(await page.isVisible('#url-warning')).toBe(true);
    const warning = (await page.textContent('#url-warning')) ?? '';
    expect(warning).toContain('KICKSTAND_URL is not set');
    expect(warning).toContain('is a loopback address');
    expect(warning).toContain('set KICKSTAND_URL');
    expect(await page.textContent('#base-url')).toBe(srv.url);

    const other = await logIn(await newContext({ viewport: { width: 390, height: 800 } }), configured);
    await other.goto(`${configured.url}/boot`);
    expect(await other.locator('#url-warning').count()).toBe(0);
    expect(await other.textContent('#base-url')).toBe('http://192.0.2.10:8080');
    expect(await other.textContent('#dhcp-kea')).toContain('"boot-file-name": "http://192.0.2.10:8080/boot/ipxe?mac=${net0/mac}"');
  });

  it('When a copy button is pressed, then the clipboard holds the snippet; without the clipboard API the text is selected instead', async () => {
    const context = await newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });
    const page = await logIn(context);
    await page.goto(`${srv.url}/boot`);
    const buttons = page.locator('button.copy');
    expect(await buttons.count()).toBe(await page.locator('.snippet pre code').count());
    await page.click('button[data-copy="dhcp-dnsmasq"]');
    await expect.poll(() => page.textContent('button[data-copy="dhcp-dnsmasq"]')).toBe('Copied');
    const text = await page.textContent('#dhcp-dnsmasq');
    expect(await inPage<string>(page, 'navigator.clipboard.readText()')).toBe(text);

    const fallback = await logIn(await newContext({ viewport: { width: 1280, height: 800 } }));
    await fallback.addInitScript("Object.defineProperty(navigator, 'clipboard', { value: undefined })");
    await fallback.goto(`${srv.url}/boot`);
    await fallback.click('button[data-copy="boot-ipxe"]');
    // A selection drops the text's last newline.
    const snippet = ((await fallback.textContent('#boot-ipxe')) ?? '').trimEnd();
    expect(snippet).toContain('#!ipxe');
    await expect.poll(async () => (await inPage<string>(fallback, 'String(window.getSelection())')).trimEnd()).toBe(snippet);
    expect(await fallback.textContent('button[data-copy="boot-ipxe"]')).toMatch(/^(Copied|Selected: press Ctrl\+C)$/);
  });
});
