// The BMC job queue: every BMC operation goes through it, so 500 BMCs are a queue that drains, not 500
// sockets at once (docs/bmc.md#the-job-queue). Three limits: one job at a time per BMC
// (address:port — BMCs are small computers that drop a second session or answer it slowly), at most
// `concurrency` jobs at once over all BMCs, and each operation under its own timeout. Unreachable and
// timed-out operations are retried with a growing pause; a BMC that refused the password or the action
// answers the same way a second time, so those fail at once. Background work (the power refresh) runs
// at low priority: it waits behind every queued action and never holds more than half the slots, so a
// person's click starts at once even while the fleet is being checked.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { AppError } from '../../errors.js';
import { BmcError } from '../driver.js';
import { appErrorOf } from './errors.js';
import type { BmcJob, JobStep } from './job.js';
import { pause } from '../../util/pause.js';

export interface QueueOptions {
  /** Jobs running at once over every BMC (config.bmcConcurrency). */
  concurrency: number;
  /** One operation's time limit (config.bmcTimeoutMs). */
  timeoutMs: number;
  /** Retries of an unreachable or timed-out operation (config.bmcRetries). */
  retries: number;
  /** The first pause before a retry, doubled at each (default 1 s). */
  backoffMs?: number;
  /** Finished jobs kept for GET (default 2000, newest kept). */
  keep?: number;
  /** Jobs waiting to start, at most (default 20,000: every host of a large fleet twice over); past it a
   *  new job fails at once, so repeated bulk clicks or a looping client cannot grow memory without end. */
  maxWaiting?: number;
  /** A job that failed in an unexpected way (a bug, a store fault): logged, the job says "internal error". */
  onFault?: (err: unknown, job: Readonly<BmcJob>) => void;
}

/** What a job does, told how to run each BMC operation and record each step. */
export interface JobContext {
  /** One BMC operation, with its own timeout signal; retried when unreachable or timed out. */
  call<T>(operation: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** A named step: its outcome goes into the job; a failure is recorded and thrown on (the job stops). */
  step<T>(name: string, run: () => Promise<T>, describe?: (value: T) => string): Promise<T>;
  readonly job: Readonly<BmcJob>;
}

export interface JobRequest {
  host: string;
  action: string;
  actor: string;
  /** address:port of the BMC: jobs with the same key never run together. */
  key: string;
  /** "low": background work that yields to everything else. */
  priority?: 'normal' | 'low';
  /** Not kept for GET once finished (the background refresh: thousands of checks would push a
   *  person's jobs out of the kept list). */
  ephemeral?: boolean;
  /** Jobs with the same share key, while one is unfinished, are that one job: a status check any role
   *  may ask for, asked a thousand times, is one question to the BMC and one queue entry, not a thousand. */
  share?: string;
  run: (ctx: JobContext) => Promise<unknown>;
}

export interface Submitted {
  job: Readonly<BmcJob>;
  /** Resolves (never rejects) when the job finished, succeeded or failed. */
  done: Promise<Readonly<BmcJob>>;
}

interface Pending {
  job: BmcJob;
  request: JobRequest;
  resolve: (job: BmcJob) => void;
}

export class BmcJobQueue {
  private readonly waiting: Pending[] = [];
  private readonly busy = new Set<string>();
  private running = 0;
  private runningLow = 0;
  private readonly jobs = new Map<string, BmcJob>();
  private readonly finished: string[] = [];
  private readonly stopping = new AbortController();
  private readonly settledWaiters: (() => void)[] = [];
  private readonly shared = new Map<string, Submitted>();

  constructor(private readonly options: QueueOptions) {
    // Each running job's attempt, or its pause before a retry, listens on this signal until it ends:
    // up to two per slot, a bound, not a leak (Node warns past 10).
    setMaxListeners(2 * options.concurrency + 10, this.stopping.signal);
  }

  submit(request: JobRequest): Submitted {
    const share = request.share;
    if (share !== undefined) {
      const same = this.shared.get(share);
      if (same) return same;
      const submitted = this.enqueue(request);
      this.shared.set(share, submitted);
      void submitted.done.finally(() => {
        if (this.shared.get(share) === submitted) this.shared.delete(share);
      });
      return submitted;
    }
    return this.enqueue(request);
  }

  private enqueue(request: JobRequest): Submitted {
    const job: BmcJob = {
      id: randomUUID(),
      host: request.host,
      action: request.action,
      status: 'queued',
      actor: request.actor,
      attempts: 0,
      created_at: new Date().toISOString(),
      steps: [],
    };
    this.jobs.set(job.id, job);
    let resolve!: (job: BmcJob) => void;
    const done = new Promise<BmcJob>((r) => (resolve = r));
    const maxWaiting = this.options.maxWaiting ?? 20_000;
    if (this.stopping.signal.aborted) {
      this.finish(job, new AppError('INTERNAL', 'the service is stopping'));
      resolve(job);
    } else if (this.waiting.length >= maxWaiting) {
      this.finish(job, new AppError('RATE_LIMITED', `the BMC job queue is full (${maxWaiting} jobs waiting): try again once it drains`));
      resolve(job);
    } else {
      this.waiting.push({ job, request, resolve });
      this.dispatch();
    }
    return { job, done };
  }

  get(id: string): Readonly<BmcJob> | undefined {
    return this.jobs.get(id);
  }

  /** Newest first; with `host`, that host's only. */
  list(host?: string, limit = 100): Readonly<BmcJob>[] {
    const out: BmcJob[] = [];
    for (const job of [...this.jobs.values()].reverse()) {
      if (host !== undefined && job.host !== host) continue;
      out.push(job);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Jobs queued or running now. */
  get pending(): number {
    return this.waiting.length + this.running;
  }

  /** Resolves once nothing is queued or running. */
  settled(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** Queued jobs fail ("the service is stopping"); running operations are aborted. */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const p of this.waiting.splice(0)) {
      this.finish(p.job, new AppError('INTERNAL', 'the service is stopping'));
      p.resolve(p.job);
    }
    await this.settled();
  }

  private get lowLimit(): number {
    return Math.max(1, Math.floor(this.options.concurrency / 2));
  }

  private dispatch(): void {
    while (this.running < this.options.concurrency) {
      const index = this.nextIndex();
      if (index < 0) break;
      const [pending] = this.waiting.splice(index, 1);
      void this.start(pending!);
    }
    if (this.pending === 0) for (const wake of this.settledWaiters.splice(0)) wake();
  }

  /** The first normal job whose BMC is free, else the first low one if low work has a slot left. */
  private nextIndex(): number {
    let low = -1;
    for (let i = 0; i < this.waiting.length; i++) {
      const { request } = this.waiting[i]!;
      if (this.busy.has(request.key)) continue;
      if (request.priority !== 'low') return i;
      if (low < 0) low = i;
    }
    return low >= 0 && this.runningLow < this.lowLimit ? low : -1;
  }

  private async start({ job, request, resolve }: Pending): Promise<void> {
    const low = request.priority === 'low';
    this.running++;
    if (low) this.runningLow++;
    this.busy.add(request.key);
    job.status = 'running';
    job.started_at = new Date().toISOString();
    try {
      job.result = await request.run(this.context(job));
      this.finish(job);
    } catch (err) {
      this.finish(job, err);
    } finally {
      if (request.ephemeral) this.forget(job.id);
      this.busy.delete(request.key);
      this.running--;
      if (low) this.runningLow--;
      resolve(job);
      this.dispatch();
    }
  }

  private context(job: BmcJob): JobContext {
    return {
      job,
      call: (operation) => this.call(job, operation),
      step: async (name, run, describe) => {
        try {
          const value = await run();
          job.steps.push(stepOf(name, 'succeeded', describe ? describe(value) : 'done'));
          return value;
        } catch (err) {
          const error = appErrorOf(err);
          job.steps.push({ ...stepOf(name, 'failed', error.message), code: error.code });
          if (err !== null && typeof err === 'object') (err as { step?: string }).step ??= name;
          throw err;
        }
      },
    };
  }

  private async call<T>(job: BmcJob, operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { timeoutMs, retries, backoffMs = 1000 } = this.options;
    for (let attempt = 0; ; attempt++) {
      // One controller per attempt, its listener on the queue's lifetime signal removed after it:
      // AbortSignal.any() over that long-lived signal would keep a reference per attempt.
      const attemptSignal = new AbortController();
      const stop = () => attemptSignal.abort();
      this.stopping.signal.addEventListener('abort', stop, { once: true });
      const timer = setTimeout(() => attemptSignal.abort(), timeoutMs);
      const signal = attemptSignal.signal;
      try {
        return await operation(signal);
      } catch (caught) {
        // A driver that let the abort through as a plain error still timed out.
        const err = signal.aborted && !(caught instanceof BmcError) ? new BmcError('timeout', `no answer within ${timeoutMs} ms`) : caught;
        if (!(err instanceof BmcError) || !err.retryable || attempt >= retries || this.stopping.signal.aborted) throw err;
        job.attempts++;
      } finally {
        clearTimeout(timer);
        this.stopping.signal.removeEventListener('abort', stop);
      }
      await pause(backoffMs * 2 ** attempt, this.stopping.signal);
    }
  }

  private forget(id: string): void {
    this.jobs.delete(id);
    const i = this.finished.lastIndexOf(id);
    if (i >= 0) this.finished.splice(i, 1);
  }

  private finish(job: BmcJob, err?: unknown): void {
    job.finished_at = new Date().toISOString();
    if (err === undefined) job.status = 'succeeded';
    else {
      job.status = 'failed';
      const error = appErrorOf(err);
      if (error.code === 'INTERNAL') this.options.onFault?.(err, job);
      const step: unknown = err !== null && typeof err === 'object' ? (err as { step?: unknown }).step : undefined;
      job.error = { code: error.code, message: error.message, ...(typeof step === 'string' ? { step } : {}) };
    }
    this.finished.push(job.id);
    const keep = this.options.keep ?? 2000;
    while (this.finished.length > keep) this.jobs.delete(this.finished.shift()!);
  }
}

function stepOf(name: string, outcome: JobStep['outcome'], message: string): JobStep {
  return { name, outcome, message, at: new Date().toISOString() };
}
