// The web forms in a real browser (Debian's Chromium driven by playwright-core): log in, watch a host
// registered by the real %pre appear without a reload, assign it with the form and see it install,
// and see hostile facts stay inert on the hosts page, the host page's facts tree and a rule preview.
// UPDATE_SCREENSHOTS=1 refreshes docs/screenshots/.
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { bootStub } from '../support/pre-script.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'browser-test-password';
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve('docs/screenshots') : undefined;

let srv: TestServer;
let browser: Browser;
const cleanups: (() => Promise<unknown>)[] = [];

async function shot(page: Page, name: string) {
  if (!SHOTS) return;
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function logIn(page: Page, user = 'operator') {
  await page.goto(`${srv.url}/hosts`);
  await page.fill('input[name="name"]', user);
  await page.fill('input[name="password"]', PASSWORD);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${srv.url}/hosts`);
}

/** Fill the rules page's form and press Preview; the preview section's text. */
async function previewRule(page: Page, rule: { name: string; expression: string; profile: string; hostname_pattern: string }) {
  await page.goto(`${srv.url}/rules`);
  await page.fill('input[name="name"]', rule.name);
  await page.fill('textarea[name="expression"]', rule.expression);
  await page.selectOption('select[name="profile"]', rule.profile);
  await page.fill('input[name="hostname_pattern"]', rule.hostname_pattern);
  await page.click('button[value="preview"]');
  await page.waitForSelector('#preview');
  return (await page.textContent('#preview')) ?? '';
}

beforeAll(async () => {
  const templatesDir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-browser-tpl-'));
  cleanups.push(() => rm(templatesDir, { recursive: true, force: true }));
  await cp(path.resolve('kickstarts'), templatesDir, { recursive: true });
  srv = await startTestServer({ templatesDir, pollInterval: 1 });
  cleanups.push(() => srv.stop());
  const admin = { Authorization: `Bearer ${srv.adminToken}` };
  await request(srv.url).post('/api/v1/users').set(admin).send({ name: 'operator', role: 'operator', password: PASSWORD }).expect(201);
  await request(srv.url).post('/api/v1/users').set(admin).send({ name: 'author', role: 'author', password: PASSWORD }).expect(201);
  await request(srv.url)
    .post('/api/v1/profiles')
    .set(admin)
    .send({
      name: 'el9',
      action: 'kickstart',
      template: 'rhel.ks.njk',
      params: { repo: 'http://127.0.0.1:1/rhel9', version: '9', root_password_hash: '$6$abc$xyz' },
    })
    .expect(201);
  browser = await launchChromium();
  cleanups.push(() => browser.close());
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('web forms in Chromium', () => {
  it('When the real %pre registers, then the host appears without a reload, and assigning it with the form installs it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await logIn(page);
    await expect.poll(() => page.textContent('table.hosts tbody')).toContain('No host yet');

    const { ws, run } = await bootStub(srv.url, cleanups);

    // The table refreshes itself (static/hosts.js); no reload here.
    const link = page.locator('table.hosts tbody a[href^="/hosts/"]');
    await link.first().waitFor({ timeout: 20_000 });
    await expect.poll(() => page.textContent('table.hosts tbody')).toContain('discovered');
    // The numbers around the table follow the rows (they once stayed at 0 beside a new host).
    await expect.poll(() => page.textContent('#hosts-count')).toMatch(/^1 matching · 1–1 shown/);
    expect(await page.textContent('#apply-waiting')).toContain('the 1 waiting');
    expect(await page.isDisabled('#apply-waiting')).toBe(false);
    await shot(page, 'hosts');

    await link.first().click();
    await page.waitForSelector('form[action$="/assign"]');
    const id = page.url().split('/').pop()!;
    await page.selectOption('select[name="profile"]', 'el9');
    await page.fill('input[name="hostname"]', 'web-node-01.example.com');
    await shot(page, 'host');
    await page.click('form[action$="/assign"] button[type="submit"]');
    await page.waitForURL(`${srv.url}/hosts/${id}`);
    expect(await page.textContent('h1')).toMatch(/web-node-01\.example\.com\s+(assigned|provisioning)/);

    const exit = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r('timeout'), 40_000))]);
    expect(exit, run.stderr()).toEqual({ code: 0, signal: null });
    const preview = (await request(srv.url).get(`/api/v1/hosts/${id}/kickstart`).set('Authorization', `Bearer ${srv.adminToken}`)).text;
    expect(await readFile(ws.ksOut, 'utf8')).toBe(preview);
    await page.reload();
    expect(await page.textContent('h1')).toMatch(/provisioning/);
    expect(await page.textContent('.timeline')).toMatch(/delivered/);
    expect(dialogs).toEqual([]);
  });

  it('When a machine reports HTML and script in its facts, then the pages show it as text and run nothing', async () => {
    const hostname = '"><img src=x onerror=alert(3)><script>alert(4)</script>{{ 7*7 }}';
    const facts = sampleFacts({ hostname });
    (facts.dmi as Record<string, string>).vendor = '<img src=x onerror=alert(1)>';
    (facts.dmi as Record<string, string>).product = '<script>alert(2)</script>{{ 7*7 }}';
    (facts.dmi as Record<string, string>).serial = 'BROWSER-HOSTILE';
    facts.disks[0]!.model = '"><img src=x onerror=alert(5)>{{ 7*7 }}';
    (facts.nics[0] as Record<string, unknown>).driver = '<script>alert(6)</script>';
    const { body } = await request(srv.url).post('/api/v1/discovery').send(facts).expect(201);
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await logIn(page);
    expect(await page.textContent('table.hosts')).toContain('<img src=x onerror=alert(1)>');
    await page.goto(`${srv.url}/hosts/${body.id}`);
    expect(await page.textContent('table.kv')).toContain('<script>alert(2)</script>{{ 7*7 }}');
    const tree = (await page.textContent('#facts-tree')) ?? '';
    for (const text of [hostname, facts.disks[0]!.model, '<script>alert(6)</script>']) expect(tree).toContain(text);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    // Only the page's own static scripts (confirm.js): nothing a machine reported became a script.
    expect(await page.locator('main script:not([src^="/static/"])').count()).toBe(0);

    // A rule whose hostname pattern copies the reported hostname: the preview shows it, as text.
    expect(
      await previewRule(page, {
        name: 'hostile',
        expression: 'dmi.serial == "BROWSER-HOSTILE"',
        profile: 'el9',
        hostname_pattern: '{{ facts.hostname }}',
      }),
    ).toContain(hostname);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('When a rule is previewed and the boot page opened, then both render (screenshots for the README)', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await logIn(page);
    expect(
      await previewRule(page, {
        name: 'lab',
        expression: 'memory_mib >= 1024 and count(nics) >= 1',
        profile: 'el9',
        hostname_pattern: 'lab-{{ seq(3) }}.example.com',
      }),
    ).toContain('lab-001.example.com');
    await shot(page, 'rules');
    await page.goto(`${srv.url}/boot`);
    expect(await page.textContent('#boot-ipxe')).toContain('BOOTIF=01-${netX/mac:hexhyp}');
    await shot(page, 'boot');
  });

  it('When an author saves a template with a syntax error, then it is refused at its line; a preview renders it; a rollback restores the shipped text', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await logIn(page, 'author');
    const file = path.join(srv.templatesDir, 'rhel.ks.njk');
    const shipped = await readFile(file, 'utf-8');
    await page.goto(`${srv.url}/templates`);
    await page.click('a[href="/templates/edit?name=rhel.ks.njk"]');
    await page.waitForSelector('textarea#content');
    expect(await page.inputValue('textarea#content')).toBe(shipped);

    // Break line 9 (the url line), save: refused at line 9, the typed text kept, the gutter marks it.
    const lines = shipped.split('\n');
    expect(lines[8]).toBe('url --url={{ params.repo | ksarg }}');
    lines[8] = 'url --url={{ params.repo | ksarg }';
    await page.fill('textarea#content', lines.join('\n'));
    await page.click('button#save');
    await page.waitForSelector('#error-content');
    expect(await page.textContent('#error-content')).toMatch(
      /^rhel\.ks\.njk line 9, column 34: .*expected variable end.*the running version stays in service$/,
    );
    expect(await page.inputValue('textarea#content')).toContain('url --url={{ params.repo | ksarg }\n');
    const gutter = (await page.textContent('.gutter')) ?? '';
    expect(gutter).toMatch(/\n8\n▶9\n10\n/);
    expect(gutter.match(/▶/g)).toHaveLength(1);
    expect(await readFile(file, 'utf-8')).toBe(shipped);
    await shot(page, 'template-error');

    // Fix it with a real change, preview for a sample machine, then save.
    lines[8] = 'url --url={{ params.repo | ksarg }}';
    lines.splice(9, 0, '# reviewed in the browser test');
    await page.fill('textarea#content', lines.join('\n'));
    await page.selectOption('select#target', 'sample:dell-r650');
    await page.fill(
      'textarea[name="params"]',
      JSON.stringify({ repo: 'http://192.0.2.20/rhel9/BaseOS/x86_64/os', root_password_hash: '$6$abc$xyz' }),
    );
    await page.click('button#preview');
    await page.waitForSelector('section.preview');
    expect(await page.textContent('section.preview h2')).toContain('Preview for sample dell-r650');
    expect(await page.textContent('section.preview')).toContain('No findings');
    expect(await page.textContent('ol.rendered')).toContain('url --url=http://192.0.2.20/rhel9/BaseOS/x86_64/os');
    await shot(page, 'template-preview');
    await page.click('button#save');
    await page.waitForSelector('p.flash');
    expect(await page.textContent('p.flash')).toContain('Saved as version 2');
    expect(await readFile(file, 'utf-8')).toContain('# reviewed in the browser test');

    // History: the diff of version 2, then roll back to the shipped text (version 1).
    await page.click('a[href="/templates/history?name=rhel.ks.njk"]');
    await page.waitForSelector('pre.diff');
    expect(await page.textContent('pre.diff .add')).toBe('+# reviewed in the browser test');
    await page.click('button#rollback-1');
    await page.waitForURL(/v=3$/);
    expect(await page.textContent('tr.selected')).toContain('rollback of 1');
    expect(await readFile(file, 'utf-8')).toBe(shipped);
    await shot(page, 'template-history');
  });
  it('When another machine claims a host’s identity, then the host page shows the conflict with both IPs, and its release button gives the host to the newcomer', async () => {
    const admin = { Authorization: `Bearer ${srv.adminToken}` };
    const facts = sampleFacts();
    const original = (await request(srv.url).post('/api/v1/discovery').send(facts).expect(201)).body as { id: string; token: string };
    await request(srv.url)
      .post(`/api/v1/hosts/${original.id}/assignment`)
      .set(admin)
      .send({ profile: 'el9', hostname: 'claimed-01.example.com' })
      .expect(200);
    const rogueMac = facts.boot_mac.toUpperCase();
    const rogue = (
      await request(srv.url)
        .post('/api/v1/discovery')
        .send(sampleFacts({ boot_mac: rogueMac, nics: [{ name: 'eth0', mac: rogueMac }] }))
        .expect(200)
    ).body as { id: string; token: string };
    await request(srv.url).get(`/api/v1/discovery/${rogue.id}/next`).set('Authorization', `Bearer ${rogue.token}`).expect(409);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await logIn(page);
    await page.goto(`${srv.url}/hosts`);
    expect(await page.textContent(`table.hosts tbody tr:has(a[href="/hosts/${original.id}"])`)).toContain('conflict');
    await page.goto(`${srv.url}/hosts/${original.id}`);
    const card = page.locator('#conflict');
    await card.waitFor();
    const text = (await card.textContent()) ?? '';
    expect(text).toContain('Identity conflict');
    expect(text).toContain('127.0.0.1');
    expect(text).toContain('the host is assigned');
    const timeline = (await page.textContent('ol.timeline')) ?? '';
    expect(timeline).toContain('identity-conflict');
    expect(timeline).toContain('conflict-refused');
    await shot(page, 'host-conflict');

    await page.click('#release-conflict');
    await page.waitForURL(`${srv.url}/hosts/${original.id}`);
    expect(await page.locator('#conflict').count()).toBe(0);
    expect(await page.textContent('ol.timeline')).toContain('conflict-released');
    expect(await page.textContent('ol.timeline')).toContain('by operator');
    // The newcomer now holds the host's token and gets its answer; the old token is dead.
    const answer = await request(srv.url)
      .get(`/api/v1/discovery/${rogue.id}/next`)
      .set('Authorization', `Bearer ${rogue.token}`)
      .expect(200);
    expect(answer.headers['x-kickstand-action']).toBe('kickstart');
    await request(srv.url).get(`/api/v1/discovery/${original.id}/next`).set('Authorization', `Bearer ${original.token}`).expect(401);
    await page.close();
  });
});
