// Hostile input, quick version (`npm test`): every route of the app, enumerated from express, fuzzed
// with fast-check from a fixed seed — valid bodies, mutated bodies, random JSON, raw bytes with and
// without a JSON Content-Type, hostile path parameters, queries and credentials. No answer may be a 5xx
// or an /api/ error outside the catalog, the service must still answer afterwards, and memory must
// stay bounded. The long version is test/faults/fuzz-long.test.ts (`npm run test:faults`).
import { describe, expect, it } from 'vitest';
import { fuzzAndCheck, problemWith } from '../support/fuzz-harness.js';
import { startHostileServer } from '../support/hostile-server.js';
import { rawRequest } from '../support/raw-http.js';
import type { AppRoute } from '../support/routes.js';

describe('fuzzing every route (quick)', () => {
  it('When every route gets valid, mutated, random and raw inputs, then no answer is a 5xx or outside the error catalog, the service stays up and memory stays bounded', async () => {
    const { report, problems } = await fuzzAndCheck(
      'quick',
      { valid: 15, mutated: 25, 'random-json': 8, 'raw-bytes': 8, params: 8 },
      { heapGrowthMiB: 64, rssGrowthMiB: 384 },
    );
    expect(problems).toEqual([]);
    expect(report.routes.length).toBeGreaterThanOrEqual(80);
    expect(report.totalInputs).toBeGreaterThan(2000);
  }, 180_000); // ~2,800 requests: 30–55 s alone, longer beside the rest of the suite on 2 cores

  it('When the inputs earlier runs found answered with a 500 are sent again, then each is refused with a 4xx from the catalog', async () => {
    const srv = await startHostileServer();
    try {
      const admin = { authorization: `Bearer ${srv.adminToken}`, 'content-type': 'application/json' };
      await rawRequest(srv.url, {
        method: 'POST',
        path: '/api/v1/profiles',
        headers: admin,
        body: JSON.stringify({ name: 'p1', action: 'reboot' }),
      });
      const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
      const found: [string, string, Record<string, string>, string | Buffer | undefined][] = [
        // A body that says it is compressed but is not (body-parser's zlib error had no type).
        ['POST', '/api/v1/discovery', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'garbage'],
        ['PATCH', '/api/v1/settings', { ...admin, 'content-encoding': 'deflate' }, '{}'],
        // A path parameter that is not valid percent-encoding (the router's URIError).
        ['GET', '/api/v1/hosts/%E0%A4%A', admin, undefined],
        ['GET', '/hosts/%', {}, undefined],
        // PUT /x/{name} with a name String() cannot print.
        ['PUT', '/api/v1/profiles/p1', admin, '{"name":{"toString":"x"},"action":"reboot"}'],
        ['PUT', '/api/v1/installers/i1', admin, `{"name":${deep}}`],
        ['PUT', '/api/v1/rules/r1', admin, '{"name":{"__proto__":null}}'],
      ];
      for (const [method, path, headers, body] of found) {
        const res = await rawRequest(srv.url, { method, path, headers, ...(body !== undefined ? { body } : {}) });
        const route = { key: `${method} ${path}`, method, path, params: [], json: true } satisfies AppRoute;
        expect(problemWith(route, res), `${method} ${path}`).toBeUndefined();
        expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      }
      expect(srv.logs.filter((l) => Number(l.level) >= 50)).toEqual([]);
    } finally {
      await srv.stop();
    }
  });

  it('When a route answers a 5xx, an error code outside the catalog or at the wrong status, then the check flags it', () => {
    const api = { key: 'GET /api/v1/x', method: 'GET', path: '/api/v1/x', params: [], json: false } satisfies AppRoute;
    const res = (status: number, text: string, headers = {}) => ({ status, text, headers });
    expect(problemWith(api, res(500, '{"error":{"code":"INTERNAL","message":"internal error"}}'))).toBe('status 500');
    expect(problemWith({ ...api, path: '/hosts' }, res(503, ''))).toBe('status 503');
    expect(problemWith(api, res(400, 'Bad Request'))).toMatch(/without a JSON error body/);
    expect(problemWith(api, res(400, '{"error":{"code":"NOPE","message":"x"}}'))).toMatch(/unknown error code NOPE/);
    expect(problemWith(api, res(404, '{"error":{"code":"VALIDATION","message":"x"}}'))).toMatch(/VALIDATION answered with status 404/);
    expect(problemWith(api, res(400, '{"error":{"code":"VALIDATION","message":"nics[0].mac has an invalid format"}}'))).toBeUndefined();
    expect(problemWith(api, res(400, '', { connection: 'close' }))).toBeUndefined();
  });
});
