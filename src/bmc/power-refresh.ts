// The hosts table's power column, kept fresh in the background (never on a page's request path): every
// host with a BMC is asked for its power state at most once per KICKSTAND_BMC_REFRESH seconds, through
// the job queue at low priority — behind every action a person queued, and on at most half the slots
// (jobs/queue.ts). host.power is saved only when the answer differs from what is stored, so a quiet
// fleet costs no writes. Several instances on one PostgreSQL each run their own refresher: each
// checks every host, and as only changes are written the cost is N status calls per host per period,
// not N writes (docs/bmc.md#the-power-column-and-the-refresh).
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { BmcError } from './driver.js';
import { appErrorOf } from './jobs/errors.js';
import type { JobContext } from './jobs/queue.js';
import { bmcKey, onBmc, type OperationDeps } from './operation.js';
import { recordOnHost, type RecordDeps } from './record.js';

export type RefreshDeps = OperationDeps & RecordDeps & Pick<Deps, 'bmcJobs' | 'log' | 'config'>;

const REFRESHER = { actor: 'kickstand' };

export class PowerRefresher {
  /** When each host was last asked (in this process), whatever the answer. */
  private readonly asked = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(
    private readonly deps: RefreshDeps,
    private readonly everySeconds = deps.config.bmcRefreshSeconds,
  ) {}

  /** Looks for hosts due every few seconds (at most every period); a period of 0 turns it off. */
  start(): void {
    if (this.everySeconds <= 0 || this.timer) return;
    const tickMs = Math.min(this.everySeconds, 10) * 1000;
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) => this.deps.log.error({ err }, 'power refresh failed'));
    }, tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Queues a check of every host with a BMC that was not asked in the last period; resolves once
   *  they are queued (`settled` once they ran). Returns how many were queued. */
  async tick(now = Date.now()): Promise<number> {
    if (this.ticking) return 0;
    this.ticking = true;
    try {
      const hosts = await this.deps.store.hosts.list();
      const known = new Set<string>();
      let queued = 0;
      for (const host of hosts) {
        known.add(host.id);
        if (!host.bmc || this.inFlight.has(host.id)) continue;
        const last = this.asked.get(host.id);
        if (last !== undefined && now - last < this.everySeconds * 1000) continue;
        this.asked.set(host.id, now);
        this.inFlight.add(host.id);
        queued++;
        const { done } = this.deps.bmcJobs.submit({
          host: host.id,
          action: 'refresh',
          actor: REFRESHER.actor,
          key: bmcKey(host.bmc),
          priority: 'low',
          ephemeral: true,
          run: (ctx) => this.check(host.id, ctx),
        });
        void done.finally(() => this.inFlight.delete(host.id));
      }
      // Deleted hosts leave the map.
      for (const id of this.asked.keys()) if (!known.has(id)) this.asked.delete(id);
      return queued;
    } finally {
      this.ticking = false;
    }
  }

  private async check(id: string, ctx: JobContext): Promise<void> {
    try {
      const state = await onBmc(this.deps, ctx, id, (driver, target, signal) => driver.powerState(target, signal));
      await recordOnHost(this.deps, id, { power: { state } }, REFRESHER);
    } catch (err) {
      // What a person can act on (unreachable, wrong password, no credentials) shows in the column.
      if (err instanceof BmcError || (err instanceof AppError && err.code.startsWith('BMC_'))) {
        await recordOnHost(this.deps, id, { power: { state: 'unknown', error: appErrorOf(err).message } }, REFRESHER);
        return;
      }
      if (err instanceof AppError && err.code === 'HOST_NOT_FOUND') return;
      throw err;
    }
  }
}
