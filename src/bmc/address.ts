// Where BMC credentials may be sent: an IP address or DNS name, and, unless an admin sets it, one
// inside KICKSTAND_BMC_NETWORKS. Credentials go to the address set — the host's own, a credential set's,
// the profile's or the default set's, which only admins see — so anywhere else only an admin may point
// them. Shared by a host's BMC form (configure.ts) and an expected-host import (expected-hosts/).
import { isIP } from 'node:net';
import { inNetworks } from '../util/cidr.js';

const DNS_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const DNS_NAME = new RegExp(`^(?=.{1,253}\\.?$)${DNS_LABEL}(?:\\.${DNS_LABEL})*\\.?$`);

export interface BmcAddressRefusal {
  code: 'VALIDATION' | 'FORBIDDEN';
  /** Says what is wrong, without the field's name. */
  message: string;
}

/** Why `address` may not be a BMC's, or undefined when it may. */
export function bmcAddressRefusal(address: string, networks: readonly string[], anyAddress: boolean): BmcAddressRefusal | undefined {
  if (!isIP(address) && !DNS_NAME.test(address)) return { code: 'VALIDATION', message: 'must be an IPv4 or IPv6 address or a DNS name' };
  if (anyAddress || inNetworks(address, networks)) return undefined;
  return {
    code: 'FORBIDDEN',
    message: networks.length
      ? `${address} is outside KICKSTAND_BMC_NETWORKS (${networks.join(', ')}): only an admin may send BMC credentials there`
      : 'KICKSTAND_BMC_NETWORKS is not set, so only an admin may choose where BMC credentials are sent',
  };
}
