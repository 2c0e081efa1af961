// docs/grafana/kickstand-dashboard.json: valid JSON, imported with a Prometheus datasource input, and
// every query names only metrics GET /metrics actually serves — a renamed metric breaks this test
// rather than a panel someone looks at during an incident.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrape, type Scrape } from '../support/prometheus.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface Panel {
  title: string;
  datasource?: { uid?: string };
  targets?: { expr?: string; datasource?: { uid?: string } }[];
}
interface Dashboard {
  __inputs: { name: string; pluginId: string }[];
  panels: Panel[];
}

let srv: TestServer;
let served: Scrape;
let dashboard: Dashboard;

beforeAll(async () => {
  dashboard = JSON.parse(await readFile('docs/grafana/kickstand-dashboard.json', 'utf-8')) as Dashboard;
  srv = await startTestServer();
  served = await scrape(srv.url);
});
afterAll(async () => srv.stop());

/** The metric families an expression reads (a histogram's _bucket, _sum and _count are its own name). */
function metricsOf(expr: string): string[] {
  return [...expr.matchAll(/\b(?:kickstand|nodejs|process)_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));
}

describe('the sample Grafana dashboard', () => {
  it('When it is imported, then it asks for a Prometheus datasource and every panel and query uses it', () => {
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' })]);
    expect(dashboard.panels.length).toBeGreaterThan(10);
    for (const panel of dashboard.panels) {
      expect(panel.datasource?.uid, panel.title).toBe('${DS_PROMETHEUS}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid, panel.title).toBe('${DS_PROMETHEUS}');
    }
  });

  it('When every query is read, then each names at least one metric, and only metrics /metrics serves', () => {
    const families = new Set(served.families.keys());
    const used = new Set<string>();
    for (const panel of dashboard.panels)
      for (const { expr = '' } of panel.targets ?? []) {
        const names = metricsOf(expr);
        expect(names.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        for (const name of names) {
          expect(families.has(name), `${panel.title}: ${name} is not served`).toBe(true);
          used.add(name);
        }
      }
    // What the issue asks the dashboard to show is there.
    for (const name of [
      'kickstand_hosts',
      'kickstand_registrations_total',
      'kickstand_polls_total',
      'kickstand_deliveries_total',
      'kickstand_install_failures_total',
      'kickstand_render_errors_total',
      'kickstand_http_request_duration_seconds',
      'kickstand_poll_duration_seconds',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(used, name).toContain(name);
  });
});
