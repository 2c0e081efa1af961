// Identity conflicts: a registration that matches a host by boot MAC or DMI UUID is not always that
// host. MACs are printed on labels and in switch tables, UUIDs sit in inventories: a machine that
// merely *claims* an identity must not receive the host's answer (a kickstart holds password hashes)
// nor kill the token of the machine that is really waiting or installing.
//
// So a registration becomes the host (today's re-discovery: new token, old one dead) only when the
// host has nothing to lose — discovered, failed or lost, or provisioning after a reboot answer — and,
// for a host with a boot key, only when it presents that key. Otherwise the newcomer gets a *claim*:
// a registration answer with its own token (so its %pre keeps polling instead of failing), whose
// polls get 409 IDENTITY_CONFLICT. The original token keeps working and receives the answer. The
// host's boot MAC changes only when an operator releases the host to the newcomer (or the optional
// automatic release does, after the original token has been silent for
// KICKSTAND_CONFLICT_RELEASE_AFTER minutes): then the claim becomes the host's token and the release
// is handled as the re-discovery it is (a kickstart delivered and never installed → failed, so a
// released claim never restarts an install by itself). docs/discovery.md#identity-conflicts.
import type { CallerWith } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError, errors } from '../errors.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import { addEvent, type Host } from '../hosts/host.js';
import { hashToken, tokenMatches } from '../hosts/tokens.js';
import type { Identity } from './identity.js';
import { rediscovered } from './rediscovery.js';

export type MatchedBy = 'boot_mac' | 'uuid';

/** Why a registration matching `known` may only claim it, or undefined when it simply is that host. */
export function claimReason(known: Host, presentedKey: string | undefined): string | undefined {
  if (known.boot_key !== undefined) {
    if (presentedKey !== undefined && tokenMatches(presentedKey, hashToken(known.boot_key))) return undefined;
    return presentedKey === undefined ? 'it presented no boot key and this host has one' : 'it presented a wrong boot key';
  }
  // A reboot answer hands out nothing secret and is done with once delivered: booting into discovery
  // afterwards is what the machine was told to do (kept as before; docs/discovery.md).
  if (known.state === 'provisioning' && known.assignment?.action === 'reboot') return undefined;
  if (known.state === 'assigned' || known.state === 'provisioning' || known.state === 'installed') return `the host is ${known.state}`;
  return undefined;
}

/** The host with the newcomer's claim on it (a previous claim dies) and one identity-conflict event. */
export function withClaim(
  known: Host,
  identity: Identity,
  claimToken: string,
  ip: string,
  matchedBy: MatchedBy,
  reason: string,
  at: string,
): Host {
  const next: Host = {
    ...known,
    events: [...known.events],
    updated_at: at,
    conflict: {
      claim_hash: hashToken(claimToken),
      at,
      ip,
      boot_mac: identity.boot_mac,
      macs: identity.macs,
      ...(identity.uuid ? { uuid: identity.uuid } : {}),
      matched_by: matchedBy,
      reason,
    },
  };
  const how =
    matchedBy === 'boot_mac'
      ? `this host's boot MAC ${identity.boot_mac}`
      : `this host's DMI UUID ${identity.uuid ?? '?'} (its own boot MAC ${identity.boot_mac})`;
  const before = known.conflict ? `; the previous claim from ${known.conflict.ip} is replaced` : '';
  const original = known.last_seen_ip ? ` (last seen from ${known.last_seen_ip})` : '';
  addEvent(next, {
    at,
    type: 'identity-conflict',
    actor: 'machine',
    ip,
    message: `a machine at ${ip} registered with ${how}, but ${reason}: its answer is held, the original token${original} keeps working; release the host to it if it is this machine${before}`,
  });
  return next;
}

/** Whether the automatic release may fire: on, and the original token silent long enough. */
export function autoReleaseDue(deps: Pick<Deps, 'config'>, host: Host, now = Date.now()): boolean {
  const minutes = deps.config.conflictReleaseAfterMinutes;
  return minutes > 0 && host.conflict !== undefined && now - Date.parse(host.last_seen_at) >= minutes * 60_000;
}

/** The host given to the newcomer: its claim becomes the host token (the old token dies), its boot
 *  MAC, MACs and UUID become the host's, and the rest is what its re-discovery would have done. */
export function released(host: Host, actor: string, ip: string | undefined, why: string): Host {
  const c = host.conflict;
  if (!c) throw new AppError('NOT_FOUND', `host ${host.id} has no identity conflict to release`, 'conflict');
  const at = new Date().toISOString();
  const { conflict: _resolved, token_expires_at: _old, ...rest } = host;
  const base: Host = { ...rest, events: [...host.events], updated_at: at };
  const mac = c.boot_mac === host.boot_mac ? `boot MAC ${c.boot_mac} unchanged` : `boot MAC ${host.boot_mac} → ${c.boot_mac}`;
  addEvent(base, {
    at,
    type: 'conflict-released',
    actor,
    ...(ip ? { ip } : {}),
    message: `released to the machine at ${c.ip} (${mac}) ${why}; the previous token is dead${host.state === 'installed' ? '; it stays installed until someone reprovisions it' : ''}`,
  });
  const next = rediscovered(base, c.ip);
  return {
    ...next,
    token_hash: c.claim_hash,
    boot_mac: c.boot_mac,
    macs: c.macs,
    ...(c.uuid ? { uuid: c.uuid } : {}),
    last_seen_ip: c.ip,
  };
}

/** A UUID match may come from a machine whose own boot MAC has since become another host: two hosts
 *  must never share a boot MAC (it is the lookup key). */
async function macFree(deps: Pick<Deps, 'store'>, host: Host): Promise<boolean> {
  const holder = host.conflict ? await deps.store.hosts.findByBootMac(host.conflict.boot_mac) : undefined;
  return !holder || holder.id === host.id;
}

/** An operator releases the host to the newcomer (API and host page). */
export async function releaseConflict(
  deps: AuditDeps & Pick<Deps, 'hostsLock'>,
  id: string,
  { actor, ip }: CallerWith<'ip'>,
): Promise<Host> {
  const { host, durable } = await deps.hostsLock.run(async () => {
    const current = await deps.store.hosts.get(id);
    if (!current) throw errors.hostNotFound(id);
    if (current.conflict && !(await macFree(deps, current))) {
      throw new AppError(
        'INVALID_TRANSITION',
        `the claiming machine's boot MAC ${current.conflict.boot_mac} belongs to another host now; delete or release that one first`,
        'conflict',
      );
    }
    const next = released(current, actor, ip, `by ${actor}`);
    deps.log.info({ host: id, from: current.state, to: next.state, boot_mac: next.boot_mac, actor, ip }, 'identity conflict released');
    return { host: next, durable: deps.store.hosts.save(next) };
  });
  await durable;
  await audit(deps, actor, 'host.conflict-release', id, `released to ${host.last_seen_ip ?? '?'} (boot MAC ${host.boot_mac})`);
  return host;
}

/** A poll presenting the claim token. Returns the host released to it (automatic release due), or
 *  throws 409 IDENTITY_CONFLICT, writing one conflict-refused event per claim. */
export async function claimPolled(
  deps: Pick<Deps, 'config' | 'hostsLock' | 'store' | 'log'>,
  id: string,
  token: string,
  ip: string,
): Promise<Host> {
  const outcome = await deps.hostsLock.run(async () => {
    const host = await deps.store.hosts.get(id);
    // Released or replaced meanwhile: the claim is an unknown token like any other.
    if (!host?.conflict || !tokenMatches(token, host.conflict.claim_hash)) throw errors.badHostToken();
    if (autoReleaseDue(deps, host) && (await macFree(deps, host))) {
      const minutes = deps.config.conflictReleaseAfterMinutes;
      const next = released(
        host,
        'kickstand',
        ip,
        `automatically: the original token was silent for ${minutes}+ minutes (KICKSTAND_CONFLICT_RELEASE_AFTER)`,
      );
      deps.log.info({ host: id, from: host.state, to: next.state, boot_mac: next.boot_mac, ip }, 'identity conflict released');
      return { host: next, durable: deps.store.hosts.save(next) };
    }
    if (host.conflict.refused_at) return { host: undefined, durable: Promise.resolve() };
    const at = new Date().toISOString();
    const next: Host = { ...host, events: [...host.events], conflict: { ...host.conflict, refused_at: at } };
    const seen =
      Date.parse(host.last_seen_at) > Date.parse(host.conflict.at)
        ? `the original token polled again from ${host.last_seen_ip ?? '?'}`
        : 'the original token keeps the answer';
    addEvent(next, {
      at,
      type: 'conflict-refused',
      actor: 'kickstand',
      ip,
      message: `the claim of the machine at ${ip} was refused (409 IDENTITY_CONFLICT): ${seen}; it waits until someone releases the host to it`,
    });
    deps.log.warn({ host: id, ip }, 'identity conflict: claim refused');
    return { host: undefined, durable: deps.store.hosts.save(next) };
  });
  await outcome.durable;
  if (outcome.host) return outcome.host;
  throw new AppError(
    'IDENTITY_CONFLICT',
    `another machine holds the identity of host ${id}; this one waits until an operator releases the host to it`,
  );
}
