// What the security tests share: every route of the app (read from the app itself, so a route added
// tomorrow is checked too), a user with a browser session, and a registered machine.
import type { Express } from 'express';
import request from 'supertest';
import { sampleFacts } from '../support/facts.js';
import type { TestServer } from '../support/server.js';

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every route of the app, "METHOD /path", walking routers mounted inside routers. */
export function appRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const m of Object.keys(layer.route.methods)) found.push(`${m.toUpperCase()} ${join(prefix, String(layer.route.path))}`);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, join(prefix, typeof layer.rawPath === 'string' ? layer.rawPath : ''));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return found;
}

function join(prefix: string, p: string): string {
  const joined = `${prefix.replace(/\/+$/, '')}/${p.replace(/^\/+/, '')}`;
  return joined.length > 1 ? joined.replace(/\/+$/, '') : joined;
}

/** A route's path with its parameters filled in: `:id` by `id`, any other by `x1`, `*path` by a file. */
export function fill(path: string, id = 'x1'): string {
  return path.replace(/:id\b/g, id).replace(/:[a-z]+/g, 'x1').replace(/\*[a-z]+/g, 'x1.njk');
}

export const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

/** Logs `name` in through the web form; the agent then carries the session cookie. */
export async function webLogin(srv: TestServer, name: string, password: string): Promise<{ agent: request.Agent; session: string; loginCsrf: string; csrf: string }> {
  const agent = request.agent(srv.url);
  const form = await agent.get('/login').expect(200);
  const loginCsrf = csrfOf(form.text);
  const res = await agent.post('/login').type('form').send({ _csrf: loginCsrf, name, password }).expect(303);
  const session = /ks_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
  const csrf = csrfOf((await agent.get('/hosts').expect(200)).text);
  return { agent, session, loginCsrf, csrf };
}

export async function createUser(srv: TestServer, name: string, role: string, password: string): Promise<void> {
  await request(srv.url).post('/api/v1/users').set('Authorization', `Bearer ${srv.adminToken}`).send({ name, role, password }).expect(201);
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
