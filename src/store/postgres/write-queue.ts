// Writes to the database in the order they were made, per record, without blocking reads: the store
// changes its in-memory copy first (a save is visible at once) and asks this queue to bring the row in
// line with it. A write function always writes the record's latest state, so a write that has not
// started yet carries every later change too (callers share its promise), and one that fails is
// retried on a timer (0.25 s doubling to 5 s) until the database takes it — like the file store's
// pending writes, nothing is dropped while the database is away. The callers of a failed write get
// 503 STORAGE_UNAVAILABLE: it is not acknowledged, but it is not forgotten either.
import { AppError, messageOf } from '../../errors.js';
import type { Logger } from '../../log.js';

interface Entry {
  running?: Promise<void> | undefined;
  queued?: Promise<void> | undefined;
  write: () => Promise<void>;
}

const RETRY_MAX_MS = 5_000;

/** A refusal for good: an integrity constraint (SQLSTATE class 23). */
export function isConstraint(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('23');
}

function idle(e: Entry): boolean {
  return e.running === undefined && e.queued === undefined;
}

export class WriteQueue {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly failed = new Map<string, () => Promise<void>>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = 250;
  private outageSince: number | undefined;
  private closed = false;

  constructor(
    private readonly log: Pick<Logger, 'error' | 'info'> | undefined,
    /** A write the database refused for good (a constraint: SQLSTATE class 23) is not retried: the
     *  record is read back from the database instead, so this instance's copy is what is stored. */
    private readonly rejected: (key: string) => void = () => undefined,
  ) {}

  /** Write `key`'s latest state with `write`, after any write of it already running. */
  write(key: string, write: () => Promise<void>): Promise<void> {
    let entry = this.entries.get(key);
    if (entry?.queued) {
      entry.write = write;
      return entry.queued;
    }
    entry ??= { write };
    entry.write = write;
    this.entries.set(key, entry);
    const e = entry;
    // After the running write, whether it worked or not (its failure went to its own callers).
    const previous = (e.running ?? Promise.resolve()).catch(() => undefined);
    const queued: Promise<void> = previous.then(async () => {
      e.running = queued;
      e.queued = undefined;
      try {
        await e.write();
        this.failed.delete(key);
        this.recovered();
      } catch (err) {
        if (isConstraint(err)) {
          this.failed.delete(key);
          this.log?.error({ err, key }, 'the database refused a write for good; reading the record back from it');
          this.rejected(key);
          throw new AppError('STORAGE_UNAVAILABLE', `the database refused the write: ${messageOf(err)}`);
        }
        this.failed.set(key, e.write);
        this.refused(err);
        throw new AppError('STORAGE_UNAVAILABLE', `the database did not take the write: ${messageOf(err)}; it is retried until it does`);
      } finally {
        if (e.running === queued) e.running = undefined;
        // A later write may have queued itself meanwhile (the read goes through idle(), not narrowing).
        if (idle(e)) this.entries.delete(key);
      }
    });
    e.queued = queued;
    // A failure reaches the caller; the queue itself only needs to know when it is over.
    const settled = queued.catch(() => undefined);
    this.inflight.add(settled);
    void settled.then(() => this.inflight.delete(settled));
    return queued;
  }

  /** Resolves when every write started so far has committed or failed. */
  async settled(): Promise<void> {
    while (this.inflight.size) await Promise.all([...this.inflight]);
  }

  /** Writes refused and waiting for their retry. */
  get pending(): number {
    return this.failed.size;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
  }

  private refused(err: unknown): void {
    if (this.outageSince === undefined) {
      this.outageSince = Date.now();
      this.log?.error({ err }, 'the database refused a write: writes answer 503 STORAGE_UNAVAILABLE and are retried until it takes them');
    }
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.retryDelay = Math.min(RETRY_MAX_MS, this.retryDelay * 2);
      for (const [key, write] of [...this.failed]) void this.write(key, write).catch(() => undefined);
    }, this.retryDelay);
    this.retryTimer.unref();
  }

  private recovered(): void {
    if (this.outageSince === undefined || this.failed.size) return;
    this.log?.info({ after_ms: Date.now() - this.outageSince }, 'the database takes writes again; every refused write is stored');
    this.outageSince = undefined;
    this.retryDelay = 250;
  }
}
