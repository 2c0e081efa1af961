// While the disk refuses writes (full, read-only, permissions): say so once per file and errno, retry
// on a timer that backs off (0.25 s doubling to 5 s) until a commit works, and say when it is over.
// The store keeps what was refused pending; this only decides when to try again and what to log.
import type { Logger } from '../../log.js';
import type { DiskWriteError } from './disk-write.js';

const RETRY_MAX_MS = 5_000;

export class DiskOutage {
  /** Since when, which file, which errno; undefined while writes go through. */
  private failure: { file: string; errno: string; since: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private stopped = false;

  constructor(
    private readonly retry: () => void,
    private readonly log: Pick<Logger, 'info' | 'error'> | undefined,
    private readonly firstDelayMs = 250,
  ) {
    this.delayMs = firstDelayMs;
  }

  /** A commit was refused: log it if it is new, and make sure a retry is scheduled. */
  refused(e: DiskWriteError, err: unknown): void {
    if (this.failure?.file !== e.file || this.failure.errno !== e.errno) {
      this.log?.error(
        { err, file: e.file, errno: e.errno },
        `${e.message}: writes answer 503 STORAGE_UNAVAILABLE and are retried until the disk takes them`,
      );
    }
    this.failure = { file: e.file, errno: e.errno, since: this.failure?.since ?? Date.now() };
    if (this.timer || this.stopped) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, RETRY_MAX_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A failed retry comes back through refused(), which schedules the next one.
      this.retry();
    }, delay);
    this.timer.unref();
  }

  /** A commit worked; once nothing refused is left pending, the outage is over. */
  wrote(stillPending: boolean): void {
    if (!this.failure || stillPending) return;
    this.log?.info(
      { file: this.failure.file, errno: this.failure.errno, ms: Date.now() - this.failure.since },
      'the data dir takes writes again: every pending change is written',
    );
    this.failure = undefined;
    this.delayMs = this.firstDelayMs;
  }

  /** A write was refused and nothing has been written since. */
  get failing(): boolean {
    return this.failure !== undefined;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
