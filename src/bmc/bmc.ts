// A host's BMC (baseboard management controller): how Kickstand reaches it to power the machine on and
// off and choose its next boot device (docs/bmc.md). What the store keeps (BmcConfig, on the host
// record), what answers show (BmcView: never the password), and what a driver is handed for one
// operation (BmcTarget: the password opened, for that call only).

export const BMC_DRIVERS = ['ipmi', 'redfish'] as const;
export type BmcDriverName = (typeof BMC_DRIVERS)[number];

/** The port a driver uses when none is set: RMCP+ for IPMI, HTTPS for Redfish. */
export const DEFAULT_PORTS: Readonly<Record<BmcDriverName, number>> = { ipmi: 623, redfish: 443 };

export interface BmcConfig {
  driver: BmcDriverName;
  /** IP address or DNS name of the BMC's LAN interface. */
  address: string;
  /** Absent: the driver's default (DEFAULT_PORTS). */
  port?: number;
  /** Credentials of this host alone; absent: the named credential set, then the profile's, then the
   *  default set (bmc/credentials.ts says the order). */
  username?: string;
  /** Sealed with the data dir's key (`kickstand-sealed:v1:…`); never in an answer, a log or the audit. */
  password?: string;
  /** A credential set by name (BmcCredentialSet), used when the host has no username of its own. */
  credentials?: string;
  /** Redfish: the ComputerSystem to act on (`/redfish/v1/Systems/System.Embedded.1`); absent: the
   *  first member of /redfish/v1/Systems. */
  system_path?: string;
  /** Redfish over HTTPS: check the BMC's certificate (most BMCs ship a self-signed one, hence a CA file). */
  verify_tls: boolean;
  /** PEM file of the CA (or the BMC's own certificate) to trust when verify_tls is on. */
  ca_file?: string;
  /** "facts": taken from what the machine's %pre reported (and updated when it reports another);
   *  "manual": set by an operator, never overwritten by facts. */
  address_source: 'facts' | 'manual';
  updated_at: string;
}

/** A credential set: one user and password for many BMCs (a rack's factory default, a site account). */
export interface BmcCredentialSet {
  name: string;
  username: string;
  /** Sealed, as BmcConfig.password. */
  password: string;
  description?: string;
  created_at: string;
  updated_at?: string;
}

export const POWER_STATES = ['on', 'off'] as const;
export type PowerState = (typeof POWER_STATES)[number];

/** What the hosts table shows: the last state a BMC answered, or why it did not. Written only when it
 *  changes (a background refresh, an action's outcome), never on a page's request path. */
export interface HostPower {
  state: PowerState | 'unknown';
  checked_at: string;
  /** Why the last check failed (unreachable, wrong password…); the state is then "unknown". */
  error?: string;
}

/** on · off (hard) · soft-off (ACPI shutdown) · cycle (off then on) · reset (warm). */
export const POWER_ACTIONS = ['on', 'off', 'soft-off', 'cycle', 'reset'] as const;
export type PowerAction = (typeof POWER_ACTIONS)[number];

export const BOOT_DEVICES = ['pxe', 'disk', 'cd', 'bios'] as const;
export type BootDevice = (typeof BOOT_DEVICES)[number];

export interface BootDeviceRequest {
  device: BootDevice;
  /** False: the next boot only (what "rediscover" and "reinstall" use). */
  persistent: boolean;
  /** Where the BMC takes it: boot the device in UEFI or legacy (BIOS) mode. */
  mode?: 'uefi' | 'legacy';
}

/** What "test connection" reports. */
export interface BmcIdentity {
  power: PowerState;
  manufacturer?: string;
  model?: string;
  firmware?: string;
}

/** One operation's view of a BMC: address, port and credentials resolved, the password in clear. Made
 *  right before the call (bmc/target.ts) and dropped after it. */
export interface BmcTarget {
  driver: BmcDriverName;
  address: string;
  port: number;
  username: string;
  password: string;
  system_path?: string;
  verify_tls: boolean;
  ca_file?: string;
}

/** The BMC as an answer or a page shows it. */
export type BmcView = Omit<BmcConfig, 'password'> & { has_password: boolean };

export function bmcView(bmc: Readonly<BmcConfig>): BmcView {
  const { password, ...rest } = bmc;
  return { ...rest, has_password: password !== undefined };
}
