// A machine is discovered: its registration (register.ts) and its assignment right away when the
// expected-host record it took says so (expected-hosts/provision.ts), else with auto-provisioning on
// — the record's profile, else the profile its boot entry names, else the first matching rule. One story,
// one use case: the route only parses the request and shapes the answer.
import type { CallerWith } from '../caller.js';
import type { Deps } from '../deps.js';
import { addEvent, type Host } from '../hosts/host.js';
import { assignHost, type AssignDeps } from '../hosts/assign.js';
import { isBootable } from '../profiles/profile.js';
import { autoAssign } from '../rules/auto-assign.js';
import { provisionExpected, recordToProvision } from '../expected-hosts/provision.js';
import type { Facts } from './facts.js';
import { registerMachine, type RegisterDeps, type Registration } from './register.js';

export type DiscoverDeps = RegisterDeps & AssignDeps;

/** `caller.ip` is the machine's address; `bootKey` is what its %pre read from kickstand.key= (header
 *  X-Kickstand-Boot-Key), if anything. The registration is durable before any assignment is tried. */
export async function discover(
  deps: DiscoverDeps,
  body: unknown,
  caller: CallerWith<'ip' | 'baseUrl'>,
  bootKey?: string,
): Promise<Registration> {
  const registration = await registerMachine(deps, body, caller.ip, bootKey);
  // A claim is not this host: its facts must not pick the host's profile.
  if (!registration.conflict) await autoProvision(deps, registration.host, registration.facts, caller.baseUrl);
  return registration;
}

/** A waiting host that took an expected-host record with a profile is assigned it as the record says
 *  (expected-hosts/provision.ts), at each registration while it waits, like auto-provisioning.
 *  Otherwise, with auto-provisioning on, a waiting host is assigned as soon as it registers: the profile its
 *  boot entry names (kickstand.profile=NAME, see docs/boot.md) if that profile is bootable, else the
 *  first matching rule. The registration is already durable; what cannot assign leaves the host
 *  waiting, with why.
 *
 *  The kernel command line is the machine's to write: any machine (or anyone who can boot one) may
 *  name any profile. So a name only counts when an admin marked that profile bootable, and an unknown
 *  name and a not-bootable one are handled alike — same log line, same timeline event — so neither the
 *  log nor the timeline tells which names exist. */
async function autoProvision(deps: DiscoverDeps, host: Host, facts: Facts, baseUrl: string): Promise<void> {
  if (host.state !== 'discovered') return;
  try {
    const auto = (await deps.store.settings.get()).auto_provision;
    // The admin's record about this very machine comes before anything the machine or a rule says.
    const record = await recordToProvision(deps, host, auto);
    if (record) {
      await provisionExpected(deps, host, record, baseUrl);
      return;
    }
    if (!auto) return;
    const profile = bootProfile(facts.kernel?.cmdline);
    if (profile && isBootable(await deps.store.profiles.get(profile))) {
      await assignHost(
        deps,
        host.id,
        { profile },
        { actor: 'boot-entry', ...(host.last_seen_ip ? { ip: host.last_seen_ip } : {}), baseUrl },
      );
      return;
    }
    if (profile) await bootProfileIgnored(deps, host.id, profile);
    await autoAssign(deps, [host.id], { actor: 'auto-provision', baseUrl });
  } catch (err) {
    deps.log.error({ err, host: host.id }, 'auto-provisioning failed');
  }
}

async function bootProfileIgnored(deps: Pick<Deps, 'hostsLock' | 'store' | 'log'>, id: string, profile: string): Promise<void> {
  const message = `kickstand.profile=${profile} ignored: no bootable profile by that name; trying the rules`;
  deps.log.warn({ host: id, profile }, message);
  // The save is wrapped so the lock is released before the wait for the disk (as in registerMachine).
  const saved = await deps.hostsLock.run(async () => {
    const host = await deps.store.hosts.get(id);
    if (!host) return undefined;
    const next: Host = { ...host, events: [...host.events] };
    addEvent(next, { type: 'boot-profile-ignored', actor: 'boot-entry', ...(host.last_seen_ip ? { ip: host.last_seen_ip } : {}), message });
    return { durable: deps.store.hosts.save(next) };
  });
  await saved?.durable;
}

/** kickstand.profile=NAME from the kernel command line the %pre reported. */
export function bootProfile(cmdline: string | undefined): string | undefined {
  return /(?:^|\s)kickstand\.profile=([A-Za-z0-9][A-Za-z0-9_.-]{0,63})(?=\s|$)/.exec(cmdline ?? '')?.[1];
}
