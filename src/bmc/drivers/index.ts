// The drivers Kickstand has, by name. Tests hand the app their own (test/support/) instead.
import type { Config } from '../../config.js';
import { BmcError, type BmcDriver, type BmcDrivers } from '../driver.js';
import type { BmcDriverName } from '../bmc.js';

export function createBmcDrivers(_config: Pick<Config, 'ipmitool'>): BmcDrivers {
  return { ipmi: notBuilt('ipmi'), redfish: notBuilt('redfish') };
}

// Replaced by drivers/ipmitool.ts and drivers/redfish.ts.
function notBuilt(name: BmcDriverName): BmcDriver {
  const fail = (): Promise<never> => Promise.reject(new BmcError('refused', `the ${name} driver is not built yet`));
  return { name, powerState: fail, power: fail, setBootDevice: fail, identify: fail };
}
