// GET /healthz: what a load balancer in front of several instances asks (docs/scale-out.md). Open to
// anyone, so it must say nothing but whether writes go through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server.js';
import type { Store } from '../../src/store/store.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(() => srv.stop());

describe('GET /healthz', () => {
  it('When the store takes writes, then it answers 200 ok without a login', async () => {
    const res = await request(srv.running.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', store: 'file', writes: 'accepted' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('When the store refuses writes, then it still answers 200, degraded, so waiting machines stay in rotation', async () => {
    const store = srv.running.deps.store as Store & { health: Store['health'] };
    const original = store.health.bind(store);
    store.health = () => ({ kind: 'postgres', writable: false });
    try {
      const res = await request(srv.running.app).get('/healthz');
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('degraded');
    } finally {
      store.health = original;
    }
  });

  it('When anyone asks, then the answer names no path, address, version, user or count', async () => {
    const res = await request(srv.running.app).get('/healthz');
    const text = JSON.stringify(res.body);
    expect(Object.keys(res.body).sort()).toEqual(['status', 'store', 'writes']);
    expect(text).not.toContain(srv.running.deps.config.dataDir);
    expect(text).not.toMatch(/\d+\.\d+|postgres:\/\/|admin|token/i);
  });
});
