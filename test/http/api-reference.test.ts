// GET /api/docs, the rendered API reference: open like the document, the app's CSP unchanged, every file
// it loads served from this server (swagger-ui-dist, no CDN) with its content type, and nothing else of
// the package reachable. The browser test (test/e2e/api-reference.test.ts) sees it render.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/http/security-headers.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.stop());

/** Every src= and href= of the page. */
const linksOf = (html: string) => [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);

describe('API reference page', () => {
  it('When /api/docs is fetched without credentials, then it is the page, under the app’s own CSP, with no inline script and no other host', async () => {
    const res = await request(srv.url).get('/api/docs').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(res.text).not.toMatch(/https?:\/\//);
    expect(res.text).not.toMatch(/\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    // Every script is a file: a <script> with a body would need 'unsafe-inline'.
    const scripts = [...res.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="\/api\/docs\/assets\//);
      expect(body).toBe('');
    }
    expect(res.text).not.toMatch(/\bstyle=|<style/);
  });

  it('When the page’s files are fetched, then each answers 200 with its content type, and the init script points at this server’s document without the remote validator', async () => {
    const page = (await request(srv.url).get('/api/docs').expect(200)).text;
    const links = linksOf(page);
    expect(links.sort()).toEqual(['/api/docs/assets/init.js', '/api/docs/assets/swagger-ui-bundle.js', '/api/docs/assets/swagger-ui.css']);
    for (const link of links) {
      const res = await request(srv.url).get(link).expect(200);
      const type = link.endsWith('.css') ? /^text\/css/ : /^application\/javascript/;
      expect(res.headers['content-type'], link).toMatch(type);
      expect(res.headers['x-content-type-options'], link).toBe('nosniff');
      expect(Number(res.headers['content-length'] ?? res.text.length), link).toBeGreaterThan(100);
    }
    const init = (await request(srv.url).get('/api/docs/assets/init.js').expect(200)).text;
    expect(init).toContain("url: '/api/v1/openapi.json'");
    expect(init).toContain('validatorUrl: null');
    const bundle = await request(srv.url).head('/api/docs/assets/swagger-ui-bundle.js').expect(200);
    expect(bundle.headers['content-type']).toMatch(/^application\/javascript/);
  });

  it('When a path reaches for another file of the package or outside it, then it is 404 with the Error body', async () => {
    for (const path of [
      '/api/docs/assets/package.json',
      '/api/docs/assets/swagger-ui-bundle.js.map',
      '/api/docs/assets/index.html',
      '/api/docs/assets/oauth2-redirect.html',
      '/api/docs/assets/../package.json',
      '/api/docs/assets/%2e%2e/package.json',
      '/api/docs/assets/..%2f..%2fpackage.json',
      '/api/docs/assets/',
      '/api/docs/assets/swagger-ui.css/',
      // Names every object has: the table of files is looked up by its own keys only.
      '/api/docs/assets/constructor',
      '/api/docs/assets/toString',
      '/api/docs/assets/__proto__',
      '/api/docs/assets/hasOwnProperty',
    ]) {
      const res = await request(srv.url).get(path);
      expect(res.status, path).toBe(404);
      expect(res.body.error?.code, path).toBe('NOT_FOUND');
    }
    const post = await request(srv.url).post('/api/docs/assets/init.js');
    expect(post.status).toBe(404);
  });

  it('When the document the page shows is read, then it is open too and holds no secret: no token, password or key value', async () => {
    const doc = await request(srv.url).get('/api/v1/openapi.json').expect(200);
    expect(doc.text).not.toContain(srv.adminToken);
    // The bodies it describes carry "password"/"token" fields; the document itself holds no example values.
    expect(doc.text).not.toMatch(/"(example|examples|default)"\s*:/);
  });
});
