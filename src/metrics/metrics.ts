// Kickstand's own metrics, one Registry per app (never prom-client's global one: the tests run many apps
// in one process, and each must count only its own). What each one means: docs/notifications.md#metrics. No label
// ever holds a host id, hostname, MAC, IP or token: every label below has a small, fixed set of values
// (or is capped, label-cap.ts), which also keeps Prometheus's series count flat at 10,000 hosts.
import { Counter, Gauge, Histogram, Registry, type Metric, type RegistryContentType } from 'prom-client';
import type { HostState } from '../hosts/host.js';
import { processRegistry } from './process-metrics.js';
import { POLL_BUCKETS, PollTally } from './poll-tally.js';

export const HOST_STATES: readonly HostState[] = ['discovered', 'assigned', 'provisioning', 'installed', 'failed', 'lost'];

/** Seconds; from a cached poll answer (well under a millisecond) to a slow page or a big upload. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Scrapes one at a time in the process: see exposition(). */
let scrapes: Promise<unknown> = Promise.resolve();

/** prom-client 15 renames every counter for good when it writes OpenMetrics (`x_total` becomes `x`,
 *  registry.js standardizeCounterName), so every text-format scrape after it would lose the `_total`
 *  (test/metrics/endpoint.test.ts caught it). The names are put back once written, and scrapes never
 *  overlap, so no scrape sees another's renaming. */
async function exposition(registries: Registry[], openMetrics: boolean): Promise<{ contentType: string; body: string }> {
  const merged: Registry<RegistryContentType> = Registry.merge(registries);
  if (!openMetrics) return { contentType: merged.contentType, body: await merged.metrics() };
  const metrics = merged.getMetricsAsArray() as unknown as { name: string }[];
  const names = metrics.map((m) => m.name);
  merged.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  try {
    return { contentType: merged.contentType, body: await merged.metrics() };
  } finally {
    metrics.forEach((m, i) => (m.name = names[i]!));
  }
}

export class Metrics {
  readonly registry = new Registry();

  readonly hosts = new Gauge({
    name: 'kickstand_hosts',
    help: 'Hosts known to this instance, by state (counted at scrape time).',
    labelNames: ['state'] as const,
    registers: [this.registry],
    // Counted at scrape from the host list: one pass, no per-change bookkeeping to drift.
    collect: async () => {
      const counts = Object.fromEntries(HOST_STATES.map((s) => [s, 0])) as Record<HostState, number>;
      for (const host of await this.listHosts()) counts[host.state]++;
      for (const state of HOST_STATES) this.hosts.set({ state }, counts[state]);
    },
  });

  readonly registrations = this.counter('kickstand_registrations_total', 'Registrations (POST /api/v1/discovery) answered, by outcome.', [
    'outcome',
  ]);
  /** Polls answered, tallied on the hot path in plain numbers (poll.ts) and read at scrape. */
  readonly polls = new PollTally();
  private readonly pollCounter = new Counter({
    name: 'kickstand_polls_total',
    help: 'Polls (GET /api/v1/discovery/{id}/next) answered, by HTTP status.',
    labelNames: ['status'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [status, n] of this.polls.statuses) {
        const delta = n - (this.pollsCounted.get(status) ?? 0);
        if (delta > 0) this.pollCounter.inc({ status: String(status) }, delta);
        this.pollsCounted.set(status, n);
      }
    },
  });
  private readonly pollsCounted = new Map<number, number>();
  readonly deliveries = this.counter('kickstand_deliveries_total', 'Answers delivered to a host (assigned → provisioning), by action.', [
    'action',
  ]);
  readonly callbacks = this.counter('kickstand_install_callbacks_total', 'Install callbacks recorded (POST …/events), by stage.', [
    'stage',
  ]);
  readonly installFailures = this.counter('kickstand_install_failures_total', 'Hosts that moved to failed.', []);
  readonly hostsLost = this.counter('kickstand_hosts_lost_total', 'Waiting hosts marked lost (no poll for KICKSTAND_LOST_AFTER).', []);
  readonly conflicts = this.counter('kickstand_identity_conflicts_total', 'Identity conflicts raised at registration.', []);
  readonly renderErrors = this.counter(
    'kickstand_render_errors_total',
    'Kickstarts that failed to render for a polling machine, by template (the first 20 names, then "other").',
    ['template'],
  );

  readonly httpDuration = new Histogram({
    name: 'kickstand_http_request_duration_seconds',
    help: 'Requests through the router, by method, route pattern and status class.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  constructor(private readonly listHosts: () => Promise<readonly { state: HostState }[]>) {
    this.registry.registerMetric(
      tallyHistogram(
        'kickstand_poll_duration_seconds',
        'Polls (GET /api/v1/discovery/{id}/next), from request to answer written.',
        this.polls,
      ),
    );
  }

  /** The exposition text: this app's metrics and the process's, in the format the scraper asked for. */
  scrape(openMetrics: boolean): Promise<{ contentType: string; body: string }> {
    const run = scrapes.then(() => exposition([processRegistry(), this.registry], openMetrics));
    scrapes = run.catch(() => undefined);
    return run;
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}

/** A histogram prom-client writes from the tally's numbers at scrape (it has no way to add counts to
 *  its own Histogram other than one observe per value). The same lines its Histogram writes: a
 *  cumulative `_bucket` per bound, `le="+Inf"`, `_sum` and `_count`. */
function tallyHistogram(name: string, help: string, tally: PollTally): Metric {
  const read = async () => {
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
    let cumulative = 0;
    POLL_BUCKETS.forEach((le, i) => {
      cumulative += tally.buckets[i]!;
      values.push({ metricName: `${name}_bucket`, labels: { le }, value: cumulative });
    });
    values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: tally.count });
    values.push({ metricName: `${name}_sum`, labels: {}, value: tally.sum });
    values.push({ metricName: `${name}_count`, labels: {}, value: tally.count });
    return { name, help, type: 'histogram', values, aggregator: 'sum' };
  };
  return { name, help, type: 'histogram', aggregator: 'sum', get: read, getForPromString: read } as unknown as Metric;
}
