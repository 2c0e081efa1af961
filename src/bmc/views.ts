// What each role sees of a host's BMC. Anyone who may read hosts sees where the BMC is (driver,
// address, port, where the address came from); the user and the credential set are for those who may
// power the machine (power:write). The password is never shown to anyone, not even sealed.
import type { Role } from '../auth/roles.js';
import { allows } from '../auth/roles.js';
import { bmcView, type BmcConfig, type BmcView } from './bmc.js';

export type BmcSummary = Pick<BmcConfig, 'driver' | 'address' | 'port' | 'address_source'>;

export function bmcSummary(bmc: Readonly<BmcConfig>): BmcSummary {
  return {
    driver: bmc.driver,
    address: bmc.address,
    ...(bmc.port !== undefined ? { port: bmc.port } : {}),
    address_source: bmc.address_source,
  };
}

/** The BMC as `role` may see it. */
export function bmcViewFor(bmc: Readonly<BmcConfig>, role: Role): BmcView | BmcSummary {
  return allows(role, 'power:write') ? bmcView(bmc) : bmcSummary(bmc);
}
