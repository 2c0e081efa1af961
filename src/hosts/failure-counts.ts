// How many hosts are failed and lost: the banner and the Hosts badge on every logged-in page. Counted
// from the store's in-memory host list, at most once per `maxAgeMs` — at 10,000 hosts a count is a
// few milliseconds, and a page every user loads every few seconds must not pay it each time. A host
// event of this instance (a failure, a loss) makes the next page count again, so a failure shows at
// once; changes that send no event (a reset, a delete, another instance's write) show within maxAgeMs.
import type { Deps } from '../deps.js';

export interface FailureCounts {
  failed: number;
  lost: number;
}

export class FailureCounter {
  private cached: { counts: FailureCounts; at: number } | undefined;
  private counting: Promise<FailureCounts> | undefined;
  /** Bumped by each host event: a count begun before one is not kept, nor shared with later pages. */
  private generation = 0;

  constructor(
    private readonly deps: Pick<Deps, 'store' | 'events'>,
    private readonly maxAgeMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {
    deps.events.on((event) => {
      if (event.kind !== 'host') return;
      this.generation++;
      this.cached = undefined;
      this.counting = undefined;
    });
  }

  counts(): Promise<FailureCounts> {
    if (this.cached && this.now() - this.cached.at < this.maxAgeMs) return Promise.resolve(this.cached.counts);
    // Concurrent pages share one count.
    if (this.counting) return this.counting;
    const counting = this.count().finally(() => {
      if (this.counting === counting) this.counting = undefined;
    });
    return (this.counting = counting);
  }

  private async count(): Promise<FailureCounts> {
    const started = this.now();
    const generation = this.generation;
    const counts = { failed: 0, lost: 0 };
    for (const host of await this.deps.store.hosts.list()) {
      if (host.state === 'failed') counts.failed++;
      else if (host.state === 'lost') counts.lost++;
    }
    if (generation === this.generation) this.cached = { counts, at: started };
    return counts;
  }
}
