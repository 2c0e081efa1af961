// The OpenAPI 3.1 document, served at GET /api/v1/openapi.json and rendered at GET /api/docs. Built
// from the same schema objects ajv enforces, so the published contract cannot drift from what the
// service accepts; test/http/openapi-coverage.test.ts fails when a route the app serves is missing
// here (or one here is not served), and checks real answers against the response schemas.
//
// One file per area. To add one (webhooks, metrics): write src/schemas/openapi/<area>.ts exporting an
// ApiArea (area.ts) and add it to AREAS.
import type { JsonSchema } from '../json-schema.js';
import type { ApiArea, PathItem } from './area.js';
import { audit } from './audit.js';
import { bmcAdopt } from './bmc-adopt.js';
import { boot } from './boot.js';
import { securitySchemes, sharedSchemas } from './components.js';
import { hosts } from './hosts.js';
import { installers } from './installers.js';
import { machines } from './machines.js';
import { metrics } from './metrics.js';
import { power } from './power.js';
import { profiles } from './profiles.js';
import { rules } from './rules.js';
import { service } from './service.js';
import { templates } from './templates.js';
import { users } from './users.js';
import { webhooks } from './webhooks.js';
import { bmc } from './bmc.js';
import { expectedClaim } from './expected-claim.js';
import { tags } from './tags.js';
import { expectedHosts } from './expected-hosts.js';

/** In the order the reference page shows them. */
export const AREAS: readonly ApiArea[] = [
  machines,
  boot,
  hosts,
  bmcAdopt,
  expectedClaim,
  power,
  profiles,
  rules,
  templates,
  installers,
  users,
  webhooks,
  bmc,
  tags,
  expectedHosts,
  audit,
  service,
  metrics,
];

export function openApiDocument(version: string, areas: readonly ApiArea[] = AREAS) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kickstand',
      version,
      description:
        'Discovery through Anaconda: stub kickstart, facts, polling, assignment. The admin API takes `Authorization: Bearer` with KICKSTAND_ADMIN_TOKEN or a personal API token; the machines\' routes are open or take the host token. Errors: every 4xx/5xx has the `Error` body (docs/api.md "Errors").',
    },
    tags: areas.map((a) => a.tag),
    paths: joinPaths(areas),
    components: { securitySchemes, schemas: joinSchemas(areas) },
  };
}

/** Two areas claiming one operation or one schema name is a mistake, not a merge. */
function joinPaths(areas: readonly ApiArea[]): Record<string, PathItem> {
  const paths: Record<string, PathItem> = {};
  for (const area of areas) {
    for (const [path, item] of Object.entries(area.paths)) {
      const into = (paths[path] ??= {});
      for (const [key, value] of Object.entries(item)) {
        if (key in into) throw new Error(`OpenAPI: ${key} of ${path} is defined twice (area ${area.tag.name})`);
        Object.assign(into, { [key]: value });
      }
    }
  }
  return paths;
}

function joinSchemas(areas: readonly ApiArea[]): Record<string, JsonSchema> {
  const schemas: Record<string, JsonSchema> = { ...sharedSchemas };
  for (const area of areas) {
    for (const [name, schema] of Object.entries(area.schemas ?? {})) {
      if (name in schemas) throw new Error(`OpenAPI: schema ${name} is defined twice (area ${area.tag.name})`);
      schemas[name] = schema;
    }
  }
  return schemas;
}
