// Node's own figures — event-loop lag, heap, GC pauses, CPU, open handles — under prom-client's default
// names (nodejs_eventloop_lag_seconds, nodejs_heap_size_used_bytes, nodejs_gc_duration_seconds,
// process_cpu_seconds_total…), unprefixed, so the community Node.js dashboards work on them as they are.
// Kept once per process, not per app: there is one heap and one event loop whatever the number of apps,
// and prom-client's collectors (a GC observer, an event-loop delay histogram) cannot be stopped, so the
// tests, which start many apps in one process, must not pile them up.
import { Registry, collectDefaultMetrics } from 'prom-client';

let shared: Registry | undefined;

/** The process's registry, its collectors started on first call (when the service mounts /metrics). */
export function processRegistry(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
