// The drivers Kickstand has, by name. Tests hand the app their own (test/support/) instead.
import type { Config } from '../../config.js';
import type { BmcDrivers } from '../driver.js';
import { IpmitoolDriver } from './ipmitool.js';
import { RedfishDriver } from './redfish.js';

export function createBmcDrivers(config: Pick<Config, 'ipmitool'>): BmcDrivers {
  return { ipmi: new IpmitoolDriver({ ipmitool: config.ipmitool }), redfish: new RedfishDriver() };
}
