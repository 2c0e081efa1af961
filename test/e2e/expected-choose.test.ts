// Settling an expected-host ambiguity in a real browser (Debian's Chromium): two records matched one
// machine, the host page shows both, an operator picks one and applies it, and the page then shows
// the record the host took and the hostname it gave.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser } from '../support/sessions.js';

const PASSWORD = 'expected-operator-password';
const now = '2026-12-07T06:00:00.000Z';

let srv: TestServer;
let browser: Browser;

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  await createUser(srv, 'op', 'operator', PASSWORD);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser.close();
  await srv.stop();
});

describe('choosing an expected host in Chromium', () => {
  it('When an operator picks one of two matching records and applies it, then the host takes it and the ambiguity is gone', async () => {
    const store = srv.running.deps.store;
    for (const [id, hostname] of [
      ['eh-web-a', 'web-a.example.com'],
      ['eh-web-b', 'web-b.example.com'],
    ] as const) {
      await store.expectedHosts.save({
        id,
        match: { serial: 'DUP-SERIAL-1' },
        hostname,
        provision: false,
        created_at: now,
        updated_at: now,
      });
    }
    const reg = await request(srv.url)
      .post('/api/v1/discovery')
      .send(sampleFacts({ dmi: { serial: 'DUP-SERIAL-1' } }))
      .expect(201);
    const id = reg.body.id as string;

    const page = await browser.newPage();
    await page.goto(`${srv.url}/hosts/${id}`);
    await page.fill('input[name="name"]', 'op');
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${srv.url}/hosts/${id}`);

    expect(await page.textContent('#expected-ambiguous')).toContain('2 expected-host records match');
    await page.check('input[name="record"][value="eh-web-b"]');
    await page.click('#expected-apply');
    await page.waitForSelector('#expected-record');
    expect((await page.textContent('#expected-record'))?.replace(/\s+/g, ' ')).toContain('eh-web-b');
    expect(await page.locator('#expected-ambiguous').count()).toBe(0);
    expect(await page.textContent('h1')).toContain('web-b.example.com');
    expect((await store.hosts.get(id))!.expected?.id).toBe('eh-web-b');
    await page.close();
  });
});
