// The poll tally's numbers (poll.ts counts into them; metrics.ts reads them at scrape): plain numbers,
// because the poll is the hot path (docs/performance.md, "The poll path near the limit").

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
