// A poll answered, by either writer (http/fast-poll.ts before express, the express route in
// http/discovery.ts): its status and its time, tallied here in plain numbers that the scrape reads
// (metrics.ts: kickstand_polls_total and kickstand_poll_duration_seconds). The poll is the hot path of
// the service, and on it a prom-client observe plus a counted signal through the events hub cost more
// than all of the poll's own checks (docs/performance.md, "What each change bought"): here it is a
// few additions.
import type { Deps } from '../deps.js';

/** Seconds; the poll answers from memory, so its buckets start lower than the HTTP ones. */
export const POLL_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] as const;

export class PollTally {
  /** Polls answered, by HTTP status. */
  readonly statuses = new Map<number, number>();
  /** Polls in each bucket (not cumulative), the last one past the largest bound. */
  readonly buckets = new Float64Array(POLL_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  answered(status: number, seconds: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    let i = 0;
    while (i < POLL_BUCKETS.length && seconds > POLL_BUCKETS[i]!) i++;
    this.buckets[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/** `startedMs`: performance.now() when the request came in. */
export function pollAnswered(deps: Pick<Deps, 'metrics'>, startedMs: number, status: number): void {
  deps.metrics.polls.answered(status, (performance.now() - startedMs) / 1000);
}
