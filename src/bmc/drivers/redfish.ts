// The Redfish driver: one ComputerSystem (system_path, else the first member of /redfish/v1/Systems),
// reset through its #ComputerSystem.Reset action, the next boot through a PATCH of its Boot object.
// Each operation is one conversation: log in, act, log out (redfish-client.ts). Vendor differences
// (iDRAC, iLO, XCC, OpenBMC) are in docs/bmc.md#drivers.
import type { BmcIdentity, BmcTarget, BootDevice, BootDeviceRequest, PowerAction, PowerState } from '../bmc.js';
import type { BmcDriver } from '../driver.js';
import { odataId, pathOf, RedfishClient, type Json, type Scheme } from './redfish-client.js';
import { pause } from '../../util/pause.js';

/** The ResetType for each action, best first: a BMC that does not offer the first (its
 *  @Redfish.AllowableValues) gets the next. Cycle without PowerCycle is ForceOff then On (below). */
const RESET_TYPES: Readonly<Record<PowerAction, readonly string[]>> = {
  on: ['On', 'ForceOn'],
  off: ['ForceOff'],
  'soft-off': ['GracefulShutdown'],
  cycle: ['PowerCycle'],
  reset: ['ForceRestart', 'GracefulRestart'],
};
const BOOT_TARGETS: Readonly<Record<BootDevice, string>> = { pxe: 'Pxe', disk: 'Hdd', cd: 'Cd', bios: 'BiosSetup' };
/** How often a ForceOff-then-On cycle looks whether the machine is off yet. */
const OFF_POLL_MS = 500;

export interface RedfishDriverOptions {
  /** "http" only for tests and labs (the bulk test's 200 simulated BMCs); BMCs speak HTTPS. */
  scheme?: Scheme;
}

interface System {
  path: string;
  body: Json;
  etag?: string;
}

export class RedfishDriver implements BmcDriver {
  readonly name = 'redfish' as const;

  constructor(private readonly options: RedfishDriverOptions = {}) {}

  powerState(target: BmcTarget, signal: AbortSignal): Promise<PowerState> {
    return this.session(target, signal, async (client, root) => powerOf(client, (await system(client, root, target)).body));
  }

  power(target: BmcTarget, action: PowerAction, signal: AbortSignal): Promise<void> {
    return this.session(target, signal, async (client, root) => {
      const sys = await system(client, root, target);
      const reset = await resetAction(client, sys);
      // "cycle" means "boot afresh": an off machine is powered on (PowerCycle on an off system is
      // refused by some BMCs, ignored by others).
      if (action === 'cycle' && powerOf(client, sys.body) === 'off') action = 'on';
      const wanted = RESET_TYPES[action];
      const chosen = wanted.find((type) => reset.allowed === undefined || reset.allowed.includes(type));
      if (chosen) {
        await client.post(reset.target, { ResetType: chosen });
        return;
      }
      if (action === 'cycle' && allows(reset.allowed, 'ForceOff') && allows(reset.allowed, 'On')) {
        await client.post(reset.target, { ResetType: 'ForceOff' });
        await waitForOff(client, sys.path, signal);
        await client.post(reset.target, { ResetType: 'On' });
        return;
      }
      throw client.fail(
        'refused',
        `the BMC offers no ResetType for "${action}" (wanted ${wanted.join(' or ')}; it offers ${(reset.allowed ?? []).join(', ') || 'none'})`,
      );
    });
  }

  setBootDevice(target: BmcTarget, request: BootDeviceRequest, signal: AbortSignal): Promise<void> {
    return this.session(target, signal, async (client, root) => {
      const sys = await system(client, root, target);
      const boot = (sys.body.Boot ?? {}) as Json;
      const bootTarget = BOOT_TARGETS[request.device];
      const allowed = boot['BootSourceOverrideTarget@Redfish.AllowableValues'];
      if (Array.isArray(allowed) && !allowed.includes(bootTarget)) {
        throw client.fail('refused', `the BMC cannot boot from ${bootTarget} (it offers ${allowed.join(', ')})`);
      }
      const change: Json = {
        BootSourceOverrideTarget: bootTarget,
        BootSourceOverrideEnabled: request.persistent ? 'Continuous' : 'Once',
      };
      if (request.mode) {
        // Older iDRAC/iLO firmware and some OpenBMC builds have no BootSourceOverrideMode.
        if (!('BootSourceOverrideMode' in boot)) {
          throw client.fail('refused', `the BMC does not take a boot mode (no Boot.BootSourceOverrideMode on ${sys.path})`);
        }
        change.BootSourceOverrideMode = request.mode === 'uefi' ? 'UEFI' : 'Legacy';
      }
      // If-Match with the ETag the system gave: iLO answers 412 to a PATCH without it.
      await client.patch(sys.path, { Boot: change }, sys.etag);
    });
  }

  identify(target: BmcTarget, signal: AbortSignal): Promise<BmcIdentity> {
    return this.session(target, signal, async (client, root) => {
      const sys = await system(client, root, target);
      const links = sys.body.Links as Json | undefined;
      const managedBy = Array.isArray(links?.ManagedBy) ? odataId(links.ManagedBy[0]) : undefined;
      const manager = managedBy ? (await client.get(managedBy)).body : {};
      const firmware = text(manager.FirmwareVersion) ?? (text(sys.body.BiosVersion) ? `BIOS ${text(sys.body.BiosVersion)}` : undefined);
      const manufacturer = text(sys.body.Manufacturer);
      const model = text(sys.body.Model);
      return {
        power: powerOf(client, sys.body),
        ...(manufacturer ? { manufacturer } : {}),
        ...(model ? { model } : {}),
        ...(firmware ? { firmware } : {}),
      };
    });
  }

  private async session<T>(target: BmcTarget, signal: AbortSignal, work: (client: RedfishClient, root: Json) => Promise<T>): Promise<T> {
    const client = new RedfishClient(target, signal, this.options.scheme ?? 'https');
    try {
      return await work(client, await client.login());
    } finally {
      // Also when login failed: ends the kept-alive connection.
      await client.logout();
    }
  }
}

async function system(client: RedfishClient, root: Json, target: BmcTarget): Promise<System> {
  let path = target.system_path;
  if (!path) {
    const collection = (await client.get(odataId(root, 'Systems') ?? '/redfish/v1/Systems')).body;
    const members = collection.Members;
    path = Array.isArray(members) ? odataId(members[0]) : undefined;
    if (!path) throw client.fail('protocol', 'the service lists no ComputerSystem under /redfish/v1/Systems');
  }
  const answer = await client.get(path);
  return { path, body: answer.body, ...(answer.etag ? { etag: answer.etag } : {}) };
}

/** The Reset action's target and its allowed ResetTypes (inline, or in the @Redfish.ActionInfo
 *  resource OpenBMC and XCC point to); undefined: the service does not say, so any is tried. */
async function resetAction(client: RedfishClient, sys: System): Promise<{ target: string; allowed?: string[] }> {
  const action = ((sys.body.Actions as Json | undefined)?.['#ComputerSystem.Reset'] ?? undefined) as Json | undefined;
  const target = typeof action?.target === 'string' ? pathOf(action.target) : undefined;
  if (!action || !target) throw client.fail('refused', `${sys.path} has no #ComputerSystem.Reset action`);
  const inline = action['ResetType@Redfish.AllowableValues'];
  if (Array.isArray(inline)) return { target, allowed: inline.filter((v): v is string => typeof v === 'string') };
  const infoPath = typeof action['@Redfish.ActionInfo'] === 'string' ? pathOf(action['@Redfish.ActionInfo']) : undefined;
  if (infoPath) {
    const info = (await client.get(infoPath)).body;
    const parameter = Array.isArray(info.Parameters) ? (info.Parameters as Json[]).find((p) => p.Name === 'ResetType') : undefined;
    if (Array.isArray(parameter?.AllowableValues)) {
      return { target, allowed: parameter.AllowableValues.filter((v): v is string => typeof v === 'string') };
    }
  }
  return { target };
}

function allows(allowed: string[] | undefined, type: string): boolean {
  return allowed === undefined || allowed.includes(type);
}

/** PowerState On/Off, and the transitions as where they are going (PoweringOn is "on"). */
function powerOf(client: RedfishClient, body: Json): PowerState {
  switch (body.PowerState) {
    case 'On':
    case 'PoweringOn':
    case 'Paused':
      return 'on';
    case 'Off':
    case 'PoweringOff':
      return 'off';
    default:
      throw client.fail(
        'protocol',
        `the system reports no PowerState I know (${body.PowerState === undefined ? 'none' : JSON.stringify(body.PowerState)})`,
      );
  }
}

async function waitForOff(client: RedfishClient, path: string, signal: AbortSignal): Promise<void> {
  while ((await client.get(path)).body.PowerState !== 'Off') {
    await pause(OFF_POLL_MS, signal);
    // The next get() fails with "no answer in time" once the signal has fired.
  }
}

/** A string the BMC gave, for the timeline and the API: trimmed and cut to 128 characters. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 128) : undefined;
}
