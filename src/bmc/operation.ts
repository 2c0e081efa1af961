// One BMC operation inside a job: the host read afresh, its credentials opened for this call only
// (bmcTarget), the driver called under the queue's timeout and retries. The password lives in `target`
// for the length of the call and goes nowhere else.
import type { Deps } from '../deps.js';
import { AppError, errors } from '../errors.js';
import type { Host } from '../hosts/host.js';
import { DEFAULT_PORTS, type BmcConfig, type BmcTarget } from './bmc.js';
import type { BmcDriver } from './driver.js';
import type { JobContext } from './jobs/queue.js';
import { bmcTarget, type TargetDeps } from './target.js';

export type OperationDeps = TargetDeps & Pick<Deps, 'bmcDrivers'>;

export async function onBmc<T>(
  deps: OperationDeps,
  ctx: JobContext,
  hostId: string,
  operation: (driver: BmcDriver, target: BmcTarget, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const host = await deps.store.hosts.get(hostId);
  if (!host) throw errors.hostNotFound(hostId);
  const target = await bmcTarget(deps, host);
  return ctx.call((signal) => operation(deps.bmcDrivers[target.driver], target, signal));
}

/** The queue's key: one job at a time per BMC, however many hosts name it. */
export function bmcKey(bmc: Readonly<BmcConfig>): string {
  return `${bmc.address}:${bmc.port ?? DEFAULT_PORTS[bmc.driver]}`;
}

/** The host, with a BMC set: 404 or 409 BMC_NOT_CONFIGURED before anything is queued. */
export async function hostWithBmc(deps: Pick<Deps, 'store'>, id: string): Promise<Readonly<Host> & { bmc: BmcConfig }> {
  const host = (await deps.store.hosts.get(id)) ?? (await deps.store.hosts.getLatest(id));
  if (!host) throw errors.hostNotFound(id);
  if (!host.bmc) throw new AppError('BMC_NOT_CONFIGURED', `host ${host.hostname ?? host.id} has no BMC set`, 'bmc');
  return host as Readonly<Host> & { bmc: BmcConfig };
}
