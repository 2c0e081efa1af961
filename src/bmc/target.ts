// The one place a BMC password is opened: right before a driver call, for that call. Which credentials
// a host's BMC uses: its own user and password, else its named credential set, else (docs/bmc.md) the
// profile's and the default set — the sets are bmc/credentials.ts's.
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { Host } from '../hosts/host.js';
import { DEFAULT_PORTS, type BmcTarget } from './bmc.js';

export type TargetDeps = Pick<Deps, 'secrets' | 'store'>;

export async function bmcTarget(deps: TargetDeps, host: Readonly<Host>): Promise<BmcTarget> {
  const bmc = host.bmc;
  if (!bmc) throw new AppError('BMC_NOT_CONFIGURED', `host ${host.id} has no BMC set`, 'bmc');
  if (bmc.username === undefined || bmc.password === undefined) {
    throw new AppError('BMC_NOT_CONFIGURED', `host ${host.id}'s BMC has no user and password`, 'bmc.username');
  }
  return {
    driver: bmc.driver,
    address: bmc.address,
    port: bmc.port ?? DEFAULT_PORTS[bmc.driver],
    username: bmc.username,
    password: deps.secrets.openValue('bmc.password', bmc.password),
    ...(bmc.system_path ? { system_path: bmc.system_path } : {}),
    verify_tls: bmc.verify_tls,
    ...(bmc.ca_file ? { ca_file: bmc.ca_file } : {}),
  };
}
