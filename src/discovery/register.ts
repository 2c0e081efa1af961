// A machine uploads its facts. We find out whether we know it (same boot MAC, or same real DMI UUID),
// create it or refresh it, hand it a fresh token, and answer only once that is on disk: a machine
// that got a 2xx must never be forgotten by a crash a millisecond later. A machine that matches a host
// it may not become (assigned, provisioning, installed, or without the host's boot key) only gets a
// claim on it: conflict.ts.
import type { Deps } from '../deps.js';
import { announce, hostChanged } from '../events/host-changed.js';
import { addEvent, type Host } from '../hosts/host.js';
import { hashToken, newHostId, newToken } from '../hosts/tokens.js';
import { validators } from '../schemas/validate.js';
import type { Facts } from './facts.js';
import { identityOf, normalizeMac, realSerial } from './identity.js';
import { summarize } from './summary.js';
import { withInventory } from './inventory.js';
import { addSighting } from './stub-fetched.js';
import { claimReason, withClaim } from './conflict.js';
import { rediscovered } from './rediscovery.js';
import { adoptReportedBmc, reportedBmcAddress } from '../bmc/adopt.js';
import type { Config } from '../config.js';
import { claimExpectedHost } from '../expected-hosts/claim.js';
import { applyAutoTags } from '../tags/auto-tags.js';

export interface Registration {
  host: Host;
  facts: Facts;
  /** Shown once, to the machine: only its hash is kept. For a conflict, the newcomer's claim token. */
  token: string;
  created: boolean;
  /** The registration matched a host it may not become (conflict.ts): it holds only a claim. */
  conflict: boolean;
}

export type RegisterDeps = Pick<Deps, 'hostsLock' | 'store' | 'sightings' | 'log' | 'events'> & { config: Pick<Config, 'bmcNetworks'> };

/** `bootKey` is what the %pre read from kickstand.key= (header X-Kickstand-Boot-Key), if anything. */
export async function registerMachine(deps: RegisterDeps, body: unknown, ip: string, bootKey?: string): Promise<Registration> {
  const facts = normalize(validators.facts(body));
  const identity = identityOf(facts);
  const token = newToken();
  const now = new Date().toISOString();

  const { host, created, conflict, durable } = await deps.hostsLock.run(async () => {
    const byMac = await deps.store.hosts.findByBootMac(identity.boot_mac);
    const byUuid = byMac || !identity.uuid ? undefined : await deps.store.hosts.findByUuid(identity.uuid);
    const known = byMac ?? byUuid;
    const matchedBy = byMac ? 'boot_mac' : 'uuid';
    const sighting = deps.sightings.take(identity.macs);

    const reason = known && claimReason(known, bootKey);
    if (known && reason) {
      // Nothing of the host changes but the claim and its events: not its facts, token, boot MAC,
      // serial or last-seen address (the automatic release measures the original token's silence by it).
      const claimed = withClaim(known, identity, token, ip, matchedBy, reason, now);
      if (sighting) addSighting(claimed, sighting);
      return { host: claimed, created: false, conflict: true, durable: deps.store.hosts.save(claimed) };
    }

    const host: Host = known
      ? rediscovered(known, ip)
      : {
          id: await unusedId(deps),
          state: 'discovered',
          boot_mac: identity.boot_mac,
          macs: [],
          token_hash: '',
          summary: summarize(facts),
          created_at: now,
          updated_at: now,
          last_seen_at: now,
          events: [],
        };
    if (sighting) addSighting(host, sighting);
    // Never silently: a host found by its UUID that booted from another NIC says so on its timeline.
    if (known && known.boot_mac !== identity.boot_mac) {
      addEvent(host, {
        type: 'boot-mac-changed',
        actor: 'machine',
        ip,
        message: `found by its DMI UUID ${identity.uuid ?? '?'}; boot MAC ${known.boot_mac} → ${identity.boot_mac}`,
      });
    }
    const serial = realSerial(facts.dmi?.serial) ?? realSerial(sighting?.serial) ?? host.serial;
    // A fresh discovery gets a fresh token, with no expiry until its next answer is delivered.
    delete host.token_expires_at;
    Object.assign(host, {
      boot_mac: identity.boot_mac,
      macs: identity.macs,
      token_hash: hashToken(token),
      summary: summarize(facts),
      updated_at: now,
      last_seen_at: now,
      last_seen_ip: ip,
      ...(identity.uuid ? { uuid: identity.uuid } : {}),
      ...(serial ? { serial } : {}),
    });
    addEvent(host, {
      type: known ? 'rediscovered' : 'discovered',
      actor: 'machine',
      ip,
      message: known
        ? `facts refreshed (state ${host.state})${host.state === 'installed' ? '; it stays installed until someone reprovisions it' : ''}`
        : 'discovered',
    });
    // The BMC address it reports, taken only where that is safe (bmc/adopt.ts says why).
    if (reportedBmcAddress(facts)) adoptReportedBmc(host, facts, await deps.store.hosts.list(), deps.config.bmcNetworks, now, ip);
    // Before the save: the rules that auto-provision it next (discover.ts) see its tags.
    await applyAutoTags(deps, host, facts, ip);
    // The expected-host record it matches, taken under this lock so no two machines take one
    // (expected-hosts/claim.ts); after the BMC from facts, so a record's BMC (an admin's word) wins.
    const claim = await claimExpectedHost(deps, host, facts, now, ip);
    const durable = Promise.all([deps.store.hosts.save(host, facts), claim?.durable]).then(() => undefined);
    return { host, created: !known, conflict: false, durable };
  });

  await durable;
  deps.events.emit({ kind: 'registration', outcome: conflict ? 'conflict' : created ? 'created' : 'refreshed' });
  if (conflict) {
    deps.log.warn(
      { host: host.id, state: host.state, boot_mac: host.conflict?.boot_mac, matched_by: host.conflict?.matched_by, ip },
      'identity conflict',
    );
    announce(deps, host, host, 'conflict', durable, ip);
  } else if (created) hostChanged(deps, null, host, { boot_mac: host.boot_mac, ip }, durable, 'discovered');
  else deps.log.info({ host: host.id, state: host.state, boot_mac: host.boot_mac, ip }, 'host facts refreshed');
  return { host, facts, token, created, conflict };
}

/** MACs arrive as the kernel prints them; store one spelling so lookups match. A boot key on the
 *  reported command line is blanked: facts are shown to every reader (the %pre blanks it too). */
function normalize(facts: Facts): Facts {
  return withInventory({
    ...facts,
    ...(facts.kernel?.cmdline !== undefined ? { kernel: { ...facts.kernel, cmdline: hideBootKey(facts.kernel.cmdline) } } : {}),
    boot_mac: normalizeMac(facts.boot_mac),
    nics: facts.nics.map((n) => ({ ...n, mac: normalizeMac(n.mac) })),
  });
}

export function hideBootKey(cmdline: string): string {
  return cmdline.replace(/(^|\s)kickstand\.key=\S*/g, '$1kickstand.key=(hidden)');
}

async function unusedId(deps: Pick<Deps, 'store'>): Promise<string> {
  for (;;) {
    const id = newHostId();
    if (!(await deps.store.hosts.get(id))) return id;
  }
}
