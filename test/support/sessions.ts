// The two kinds of caller the service authenticates, as tests set them up: a user with a browser
// session (logged in through the web form, CSRF token in hand), and a machine registered with its facts
// (host id and token).
import http from 'node:http';
import request from 'supertest';
import { sampleFacts } from './facts.js';
import { rawRequest, type RawResponse } from './raw-http.js';
import type { TestServer } from './server.js';

export const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

export async function createUser(srv: TestServer, name: string, role: string, password: string): Promise<void> {
  await request(srv.url).post('/api/v1/users').set('Authorization', `Bearer ${srv.adminToken}`).send({ name, role, password }).expect(201);
}

/** Logs `name` in through the web form; the agent then carries the session cookie. */
export async function webLogin(
  srv: Pick<TestServer, 'url'>,
  name: string,
  password: string,
): Promise<{ agent: request.Agent; session: string; loginCsrf: string; csrf: string }> {
  const agent = request.agent(srv.url);
  const form = await agent.get('/login').expect(200);
  const loginCsrf = csrfOf(form.text);
  const res = await agent.post('/login').type('form').send({ _csrf: loginCsrf, name, password }).expect(303);
  const session = /ks_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
  const csrf = csrfOf((await agent.get('/hosts').expect(200)).text);
  return { agent, session, loginCsrf, csrf };
}

export interface Registered {
  id: string;
  token: string;
  next: string;
  events: string;
}

export async function registerMachine(url: string, facts: object = sampleFacts()): Promise<Registered> {
  const res = await request(url).post('/api/v1/discovery').send(facts);
  if (res.status !== 201 && res.status !== 200) throw new Error(`registration answered ${res.status}: ${res.text}`);
  return res.body as Registered;
}

/** A registration from another loopback address (Linux answers all of 127/8), which the service sees
 *  as a different client: its status, and Retry-After when refused. */
export function registerFrom(url: string, localAddress: string): Promise<{ status: number; retryAfter?: string }> {
  const body = JSON.stringify(sampleFacts());
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/api/v1/discovery`,
      { method: 'POST', localAddress, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        const retryAfter = res.headers['retry-after'];
        res.on('end', () => resolve({ status: res.statusCode!, ...(retryAfter ? { retryAfter } : {}) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A login through the web form from another loopback address (127.0.0.2 …: Linux answers the whole
 *  127/8), which the service sees as a different client. `ms`: how long the POST took. */
export async function loginFrom(url: string, from: string, name: string, password: string): Promise<{ res: RawResponse; ms: number }> {
  const agent = new http.Agent({ localAddress: from });
  try {
    const form = await rawRequest(url, { method: 'GET', path: '/login' }, agent);
    const loginCookie = String(form.headers['set-cookie']).split(';')[0]!;
    const body = new URLSearchParams({ _csrf: csrfOf(form.text), name, password }).toString();
    const started = performance.now();
    const res = await rawRequest(
      url,
      { method: 'POST', path: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: loginCookie }, body },
      agent,
    );
    return { res, ms: performance.now() - started };
  } finally {
    agent.destroy();
  }
}
