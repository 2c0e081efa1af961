// The BMC address a machine reports (facts.bmc.ip, read by its %pre through the local IPMI device)
// becomes the host's BMC address: by itself at registration when it is safe, or on an operator's
// decision (POST /api/v1/hosts/:id/bmc/adopt). docs/bmc.md#facts-what-the-machine-reports.
//
// The threat: facts are the machine's word, and any machine (or anyone who can boot one on the
// provisioning network) can report any address. Kickstand sends BMC credentials to that address and
// powers whatever answers there. A hostile machine could name another host's BMC (then its power
// actions would switch off the wrong server) or an address of its own (then it receives the
// credentials, often a whole rack's shared account). So an address is taken without a person only
// inside KICKSTAND_BMC_NETWORKS, the networks the site's BMCs really live on (default none), and never
// when another host already has it; an address set by hand ('manual') is never replaced by facts.
import type { CallerWith } from '../caller.js';
import type { Deps } from '../deps.js';
import type { Facts } from '../discovery/facts.js';
import { AppError, errors } from '../errors.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import { addEvent, type Host } from '../hosts/host.js';
import { inNetworks } from '../util/cidr.js';
import type { BmcConfig } from './bmc.js';

/** The address the facts report, when it is one a BMC can be reached at (0.0.0.0: the channel has none). */
export function reportedBmcAddress(facts: Pick<Facts, 'bmc'> | undefined): string | undefined {
  const ip = facts?.bmc?.ip;
  return ip && ip !== '0.0.0.0' ? ip : undefined;
}

/** The other host whose BMC is at `address`, if any. */
export function bmcHolder(address: string, self: string, hosts: readonly Readonly<Host>[]): Readonly<Host> | undefined {
  return hosts.find((h) => h.id !== self && h.bmc?.address === address);
}

/** The host's BMC with `address` from facts: the current settings kept (driver, port, credential set),
 *  else IPMI, which is what reported it. A user and password of the host's own stay with the address
 *  they were typed for: a machine that reports a new address must not have them sent there. */
function fromFacts(current: BmcConfig | undefined, address: string, now: string): BmcConfig {
  const kept: Partial<BmcConfig> = { ...(current ?? { driver: 'ipmi', verify_tls: true }) };
  if (current && current.address !== address) {
    delete kept.username;
    delete kept.password;
  }
  return { ...(kept as BmcConfig), address, address_source: 'facts', updated_at: now };
}

/**
 * At registration or re-discovery, inside the hosts lock, on the host about to be saved: take the
 * reported address when the host has no BMC or one from facts, the address is inside `networks` and no
 * other host has it; otherwise leave host.bmc alone and say why on the timeline (`bmc-reported`).
 * A manual BMC is never touched.
 */
export function adoptReportedBmc(
  host: Host,
  facts: Pick<Facts, 'bmc'>,
  hosts: readonly Readonly<Host>[],
  networks: readonly string[],
  now: string,
  ip: string,
): void {
  const address = reportedBmcAddress(facts);
  if (!address || host.bmc?.address === address) return;
  const note = (message: string) => {
    // A machine re-registering with the same report would repeat it at each boot: once is enough.
    const last = host.events.findLast((e) => e.type === 'bmc-reported');
    if (last?.message !== message) addEvent(host, { type: 'bmc-reported', actor: 'machine', ip, message, at: now });
  };
  if (host.bmc?.address_source === 'manual') {
    note(`BMC address ${address} reported; not taken: the BMC address ${host.bmc.address} was set by hand`);
    return;
  }
  if (!inNetworks(address, networks)) {
    const set = networks.length ? networks.join(', ') : 'none set';
    note(`BMC address ${address} reported; not taken: outside KICKSTAND_BMC_NETWORKS (${set}); an operator can adopt it`);
    return;
  }
  const holder = bmcHolder(address, host.id, hosts);
  if (holder) {
    note(`BMC address ${address} reported; not taken: host ${holder.id} already has this BMC address`);
    return;
  }
  const was = host.bmc?.address;
  host.bmc = fromFacts(host.bmc, address, now);
  addEvent(host, {
    type: 'bmc-adopted',
    actor: 'machine',
    ip,
    message: `BMC address ${address} taken from the facts${was ? ` (was ${was})` : ''}`,
    at: now,
  });
}

export type AdoptBmcDeps = AuditDeps & Pick<Deps, 'hostsLock'>;

/** An operator takes the reported address, whatever KICKSTAND_BMC_NETWORKS says (that is the
 *  decision), over a manual one too; still never an address another host has. */
export async function adoptBmc(deps: AdoptBmcDeps, id: string, caller: CallerWith<'ip'>): Promise<Host> {
  const { host, was, durable } = await deps.hostsLock.run(async () => {
    const current = await deps.store.hosts.get(id);
    if (!current) throw errors.hostNotFound(id);
    const address = reportedBmcAddress(await deps.store.hosts.getFacts(id));
    if (!address) throw new AppError('BMC_NOT_REPORTED', `host ${id} reported no BMC address in its facts`);
    const holder = bmcHolder(address, id, await deps.store.hosts.list());
    if (holder) throw new AppError('BMC_ADDRESS_TAKEN', `BMC address ${address} is already the BMC of host ${holder.id}`, 'address');
    const now = new Date().toISOString();
    const next: Host = { ...current, events: [...current.events], bmc: fromFacts(current.bmc, address, now), updated_at: now };
    const previous = current.bmc;
    const was = previous && previous.address !== address ? ` (was ${previous.address}, from ${previous.address_source})` : '';
    addEvent(next, {
      type: 'bmc-adopted',
      actor: caller.actor,
      ip: caller.ip,
      message: `BMC address ${address} adopted from the facts${was}`,
      at: now,
    });
    return { host: next, was, durable: deps.store.hosts.save(next) };
  });
  await durable;
  await audit(deps, caller.actor, 'host.bmc.adopt', id, `address ${host.bmc!.address}${was}`);
  return host;
}
