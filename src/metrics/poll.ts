// A poll answered, by either writer (http/fast-poll.ts before express, the express route in
// http/discovery.ts): its status and its time, tallied here in plain numbers that the scrape reads
// (metrics.ts: kickstand_polls_total and kickstand_poll_duration_seconds). The poll is the hot path of
// the service, and on it a prom-client observe plus a counted signal through the events hub cost more
// than all of the poll's own checks (docs/performance.md, "What each change bought"): here it is a
// few additions.
import type { Deps } from '../deps.js';

/** `startedMs`: performance.now() when the request came in. */
export function pollAnswered(deps: Pick<Deps, 'metrics'>, startedMs: number, status: number): void {
  deps.metrics.polls.answered(status, (performance.now() - startedMs) / 1000);
}
