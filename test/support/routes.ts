// The app's routes as express holds them (routers inside routers, any depth), with what a test needs to
// call each one: its path parameters and whether it reads a JSON body. Enumerating the app rather than
// listing routes by hand means a route added tomorrow is fuzzed, and checked for authentication, CSRF
// and security headers, tomorrow.
import type { Express } from 'express';

export interface AppRoute {
  /** "POST /api/v1/hosts/:id/assignment": the key tables of bodies and limits are indexed by. */
  key: string;
  method: string;
  path: string;
  /** Parameter names in path order; a splat (`*name`) is listed by its name. */
  params: string[];
  /** It parses a JSON body (express.json is on its chain). */
  json: boolean;
}

interface Layer {
  name?: string;
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean>; stack: Layer[] };
  handle?: { stack?: Layer[] };
}

export function appRoutes(app: Express): AppRoute[] {
  const found: AppRoute[] = [];
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '', found);
  return found;
}

/** Every route of the app in its "METHOD /path" form (the key). */
export function routeKeys(app: Express): string[] {
  return appRoutes(app).map((r) => r.key);
}

function walk(stack: Layer[], prefix: string, found: AppRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const path = joinPath(prefix, stringPath(layer.route.path));
      const json = layer.route.stack.some((l) => l.name === 'jsonParser');
      const params = [...path.matchAll(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
      for (const m of Object.keys(layer.route.methods)) {
        const method = m.toUpperCase();
        found.push({ key: `${method} ${path}`, method, path, params, json });
      }
    } else if (layer.handle?.stack) {
      walk(layer.handle.stack, joinPath(prefix, stringPath(layer.rawPath)), found);
    }
  }
}

function stringPath(p: unknown): string {
  if (typeof p !== 'string') throw new Error(`a route or router is mounted on ${String(p)}: teach appRoutes() to enumerate it`);
  return p;
}

function joinPath(prefix: string, p: string): string {
  const joined = `${prefix.replace(/\/+$/, '')}/${p.replace(/^\/+/, '')}`;
  return joined.length > 1 ? joined.replace(/\/+$/, '') : joined;
}

/** The route's path with each parameter replaced by its value, as given (already encoded, or raw
 *  on purpose: traversal tests send `..` and `%2e%2e` exactly as written). */
export function fillPath(route: AppRoute, values: Record<string, string>): string {
  return route.path.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for ${name} in ${route.key}`);
    return v;
  });
}

/** A path (`/hosts/:id`, or a "METHOD /path" key) with sample values in it: `:id` by `id`, any other
 *  parameter by `x1`, a splat by a template's file name (`x1.njk`). */
export function samplePath(path: string, id = 'x1'): string {
  return path
    .replace(/:id\b/g, id)
    .replace(/:[a-z]+/g, 'x1')
    .replace(/\*[a-z]+/g, 'x1.njk');
}
