// Simulated BMCs behind the BmcDriver interface, for tests of everything above the drivers (the job
// queue, actions, routes, pages): one machine per address, its power state and boot device, every call
// recorded with how many ran at once. The real drivers have their own tests against ipmi_sim and a
// Redfish service (test/bmc/).
import type { BmcDriverName, BmcIdentity, BmcTarget, BootDeviceRequest, PowerAction, PowerState } from '../../src/bmc/bmc.js';
import { BmcError, type BmcDriver, type BmcDrivers } from '../../src/bmc/driver.js';

export interface FakeMachine {
  power: PowerState;
  boot?: BootDeviceRequest;
  /** The password it takes (default "secret"). */
  password: string;
  /** Make every call fail this way. */
  fail?: 'unreachable' | 'timeout' | 'refused';
  /** Milliseconds each call takes (default 0). */
  delayMs: number;
}

export interface FakeCall {
  address: string;
  op: string;
  arg?: unknown;
  at: number;
}

export class FakeBmcs {
  readonly machines = new Map<string, FakeMachine>();
  readonly calls: FakeCall[] = [];
  running = 0;
  maxRunning = 0;
  /** Most calls that ran at once against one address. */
  maxPerAddress = 0;
  private readonly perAddress = new Map<string, number>();

  machine(address: string, init: Partial<FakeMachine> = {}): FakeMachine {
    let m = this.machines.get(address);
    if (!m) this.machines.set(address, (m = { power: 'off', password: 'secret', delayMs: 0, ...init }));
    else Object.assign(m, init);
    return m;
  }

  drivers(): BmcDrivers {
    return { ipmi: this.driver('ipmi'), redfish: this.driver('redfish') };
  }

  private driver(name: BmcDriverName): BmcDriver {
    const call = <T>(t: BmcTarget, op: string, arg: unknown, signal: AbortSignal, act: (m: FakeMachine) => T): Promise<T> =>
      this.call(t, op, arg, signal, act);
    return {
      name,
      powerState: (t, s) => call(t, 'status', undefined, s, (m) => m.power),
      power: (t, action: PowerAction, s) =>
        call(t, 'power', action, s, (m) => {
          if (action === 'on') m.power = 'on';
          else if (action === 'off' || action === 'soft-off') m.power = 'off';
          else if (action === 'cycle') m.power = 'on';
          else if (m.power === 'off') throw new BmcError('refused', 'cannot reset a machine that is off');
        }),
      setBootDevice: (t, req, s) =>
        call(t, 'boot', req, s, (m) => {
          m.boot = req;
        }),
      identify: (t, s) =>
        call(t, 'identify', undefined, s, (m): BmcIdentity => ({ power: m.power, manufacturer: 'Fake BMC', firmware: '1.0' })),
    };
  }

  private async call<T>(t: BmcTarget, op: string, arg: unknown, signal: AbortSignal, act: (m: FakeMachine) => T): Promise<T> {
    const m = this.machines.get(t.address);
    this.calls.push({ address: t.address, op, arg, at: Date.now() });
    this.running++;
    const here = (this.perAddress.get(t.address) ?? 0) + 1;
    this.perAddress.set(t.address, here);
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.maxPerAddress = Math.max(this.maxPerAddress, here);
    try {
      if (!m) throw new BmcError('unreachable', `no BMC answers at ${t.address}`);
      if (m.fail === 'timeout')
        await new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new BmcError('timeout', 'timed out')), { once: true }),
        );
      if (m.delayMs) await new Promise((resolve) => setTimeout(resolve, m.delayMs));
      if (signal.aborted) throw new BmcError('timeout', `no answer from ${t.address} in time`);
      if (m.fail === 'unreachable') throw new BmcError('unreachable', `no BMC answers at ${t.address}`);
      if (t.password !== m.password) throw new BmcError('auth', `${t.address} refused the user or password`);
      if (m.fail === 'refused') throw new BmcError('refused', `${t.address} refused the action`);
      return act(m);
    } finally {
      this.running--;
      this.perAddress.set(t.address, (this.perAddress.get(t.address) ?? 1) - 1);
    }
  }
}
