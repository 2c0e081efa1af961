// A machine uploads its facts. We find out whether we know it (same boot MAC, or same real DMI UUID),
// create it or refresh it, hand it a fresh token, and answer only once that is on disk: a machine
// that got a 2xx must never be forgotten by a crash a millisecond later. A machine that matches a host
// it may not become (assigned, provisioning, installed, or without the host's boot key) only gets a
// claim on it: conflict.ts.
import type { Deps } from '../deps.js';
import { addEvent, type Host } from '../hosts/host.js';
import { hashToken, newHostId, newToken } from '../hosts/tokens.js';
import { validators } from '../schemas/validate.js';
import type { Facts } from './facts.js';
import { identityOf, normalizeMac, realSerial } from './identity.js';
import { summarize } from './summary.js';
import { addSighting } from './stub-fetched.js';
import { claimReason, withClaim } from './conflict.js';
import { rediscovered } from './rediscovery.js';
import { autoAssign } from '../rules/auto-assign.js';
import { assignHost } from '../hosts/assign.js';
import { isBootable } from '../profiles/profile.js';

export interface Registration {
  host: Host;
  facts: Facts;
  /** Shown once, to the machine: only its hash is kept. For a conflict, the newcomer's claim token. */
  token: string;
  created: boolean;
  /** The registration matched a host it may not become (conflict.ts): it holds only a claim. */
  conflict: boolean;
}

/** `bootKey` is what the %pre read from kickstand.key= (header X-Kickstand-Boot-Key), if anything. */
export async function registerMachine(deps: Deps, body: unknown, ip: string, bootKey?: string): Promise<Registration> {
  const facts = normalize(validators.facts(body));
  const identity = identityOf(facts);
  const token = newToken();
  const now = new Date().toISOString();

  const { host, created, conflict, durable } = await deps.hostsLock.run(async () => {
    const byMac = await deps.store.findByBootMac(identity.boot_mac);
    const byUuid = byMac || !identity.uuid ? undefined : await deps.store.findByUuid(identity.uuid);
    const known = byMac ?? byUuid;
    const matchedBy = byMac ? 'boot_mac' : 'uuid';
    const sighting = deps.sightings.take(identity.macs);

    const reason = known && claimReason(known, bootKey);
    if (known && reason) {
      // Nothing of the host changes but the claim and its events: not its facts, token, boot MAC,
      // serial or last-seen address (the automatic release measures the original token's silence by it).
      const claimed = withClaim(known, identity, token, ip, matchedBy, reason, now);
      if (sighting) addSighting(claimed, sighting);
      return { host: claimed, created: false, conflict: true, durable: deps.store.saveHost(claimed) };
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
      addEvent(host, { type: 'boot-mac-changed', actor: 'machine', ip, message: `found by its DMI UUID ${identity.uuid ?? '?'}; boot MAC ${known.boot_mac} → ${identity.boot_mac}` });
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
      message: known ? `facts refreshed (state ${host.state})${host.state === 'installed' ? '; it stays installed until someone reprovisions it' : ''}` : 'discovered',
    });
    return { host, created: !known, conflict: false, durable: deps.store.saveHost(host, facts) };
  });

  await durable;
  if (conflict) deps.log.warn({ host: host.id, state: host.state, boot_mac: host.conflict?.boot_mac, matched_by: host.conflict?.matched_by, ip }, 'identity conflict');
  else if (created) deps.log.info({ host: host.id, from: null, to: host.state, boot_mac: host.boot_mac, ip }, 'host state changed');
  else deps.log.info({ host: host.id, state: host.state, boot_mac: host.boot_mac, ip }, 'host facts refreshed');
  return { host, facts, token, created, conflict };
}

/** MACs arrive as the kernel prints them; store one spelling so lookups match. A boot key on the
 *  reported command line is blanked: facts are shown to every reader (the %pre blanks it too). */
function normalize(facts: Facts): Facts {
  return {
    ...facts,
    ...(facts.kernel?.cmdline !== undefined ? { kernel: { ...facts.kernel, cmdline: hideBootKey(facts.kernel.cmdline) } } : {}),
    boot_mac: normalizeMac(facts.boot_mac),
    nics: facts.nics.map((n) => ({ ...n, mac: normalizeMac(n.mac) })),
  };
}

export function hideBootKey(cmdline: string): string {
  return cmdline.replace(/(^|\s)kickstand\.key=\S*/g, '$1kickstand.key=(hidden)');
}

async function unusedId(deps: Deps): Promise<string> {
  for (;;) {
    const id = newHostId();
    if (!(await deps.store.getHost(id))) return id;
  }
}

/** With auto-provisioning on, a waiting host is assigned as soon as it registers: the profile its
 *  boot entry names (kickstand.profile=NAME, see docs/boot.md) if that profile is bootable, else the
 *  first matching rule. The registration is already durable; what cannot assign leaves the host
 *  waiting, with why.
 *
 *  The kernel command line is the machine's to write: any machine (or anyone who can boot one) may
 *  name any profile. So a name only counts when an admin marked that profile bootable, and an unknown
 *  name and a not-bootable one are handled alike — same log line, same timeline event — so neither the
 *  log nor the timeline tells which names exist. */
export async function autoProvision(deps: Deps, host: Host, facts: Facts, baseUrl: string): Promise<void> {
  if (host.state !== 'discovered' || !(await deps.store.getSettings()).auto_provision) return;
  try {
    const profile = bootProfile(facts.kernel?.cmdline);
    if (profile && isBootable(await deps.store.getProfile(profile))) {
      await assignHost(deps, host.id, { profile }, 'boot-entry', baseUrl, host.last_seen_ip);
      return;
    }
    if (profile) await bootProfileIgnored(deps, host.id, profile);
    await autoAssign(deps, [host.id], 'auto-provision', baseUrl);
  } catch (err) {
    deps.log.error({ err, host: host.id }, 'auto-provisioning failed');
  }
}

async function bootProfileIgnored(deps: Deps, id: string, profile: string): Promise<void> {
  const message = `kickstand.profile=${profile} ignored: no bootable profile by that name; trying the rules`;
  deps.log.warn({ host: id, profile }, message);
  // The save is wrapped so the lock is released before the wait for the disk (as in registerMachine).
  const saved = await deps.hostsLock.run(async () => {
    const host = await deps.store.getHost(id);
    if (!host) return undefined;
    const next: Host = { ...host, events: [...host.events] };
    addEvent(next, { type: 'boot-profile-ignored', actor: 'boot-entry', ...(host.last_seen_ip ? { ip: host.last_seen_ip } : {}), message });
    return { durable: deps.store.saveHost(next) };
  });
  await saved?.durable;
}

/** kickstand.profile=NAME from the kernel command line the %pre reported. */
export function bootProfile(cmdline: string | undefined): string | undefined {
  return /(?:^|\s)kickstand\.profile=([A-Za-z0-9][A-Za-z0-9_.-]{0,63})(?=\s|$)/.exec(cmdline ?? '')?.[1];
}
