// What a BMC driver does (ipmitool for IPMI, Node's HTTPS client for Redfish: drivers/), and how it
// fails. Every failure is a BmcError of one kind, so the timeline and the API say the same thing for
// both drivers ("wrong user or password", not "exit 1" or "401").
import type { BmcDriverName, BmcIdentity, BmcTarget, BootDeviceRequest, PowerAction, PowerState } from './bmc.js';

export interface BmcDriver {
  readonly name: BmcDriverName;
  powerState(target: BmcTarget, signal: AbortSignal): Promise<PowerState>;
  power(target: BmcTarget, action: PowerAction, signal: AbortSignal): Promise<void>;
  setBootDevice(target: BmcTarget, request: BootDeviceRequest, signal: AbortSignal): Promise<void>;
  /** Power state and who the BMC is: "test connection". */
  identify(target: BmcTarget, signal: AbortSignal): Promise<BmcIdentity>;
}

export type BmcDrivers = Readonly<Record<BmcDriverName, BmcDriver>>;

/** unreachable: no answer at the address (refused, no route, DNS) · auth: the BMC refused the user or
 *  password · timeout: no answer in time (the signal fired) · refused: the BMC understood and said no
 *  (an action it does not support, invalid data) · protocol: an answer that makes no sense. Only
 *  unreachable and timeout are worth a retry. */
export type BmcErrorKind = 'unreachable' | 'auth' | 'timeout' | 'refused' | 'protocol';

/** A BMC's failure goes on the timeline, into jobs and the power column: never longer than this, whatever
 *  a (hostile) BMC answered. */
export const MAX_BMC_ERROR = 600;

export class BmcError extends Error {
  constructor(
    readonly kind: BmcErrorKind,
    message: string,
  ) {
    super(message.length > MAX_BMC_ERROR ? `${message.slice(0, MAX_BMC_ERROR - 1)}…` : message);
    this.name = 'BmcError';
  }

  get retryable(): boolean {
    return this.kind === 'unreachable' || this.kind === 'timeout';
  }
}
