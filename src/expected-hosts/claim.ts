// A registering machine takes the expected-host record it matches (docs/inventory.md#expected-hosts-matching-claim-provisioning-ambiguity): the
// record's hostname, free tags and BMC become the host's, and the record is marked as taken by it.
// Runs inside the hosts lock, on the host registerMachine is about to save, so two machines matching
// one record cannot both take it, and the claim is on disk before the machine hears its answer.
//
// Never a guess: two records matching one machine, or one that another host already took, are
// flagged on the host (expected_ambiguous) and nothing of them is applied; a person chooses
// (resolve.ts). A hostname another host already has is not taken either: the host keeps waiting.
// The profile is not assigned here: discover.ts does that once the registration is durable.
import type { Deps } from '../deps.js';
import type { Facts } from '../discovery/facts.js';
import { addEvent, type Host } from '../hosts/host.js';
import { HOSTNAME } from '../schemas/assignment.js';
import { bmcHolder } from '../bmc/adopt.js';
import type { BmcConfig } from '../bmc/bmc.js';
import { MAX_TAGS_PER_HOST, TAG_PATTERN } from '../tags/tag.js';
import type { ExpectedHost } from './expected-host.js';
import { machineKeys, matchingRecords } from './match.js';

export type ClaimDeps = Pick<Deps, 'store' | 'log'>;

const VALID_HOSTNAME = new RegExp(HOSTNAME);

/**
 * On a host about to be saved by a registration (never a conflict's claim): take the one record the
 * machine matches, flag an ambiguity, or do nothing. Only a waiting host ('discovered') without a
 * record takes one: an assigned or installed host is not renamed under its install, and a host that
 * took a record keeps it (re-registrations re-apply nothing). Returns the write of the record taken,
 * if any, wrapped so the lock is not held while the disk catches up: the registration is durable when
 * both writes are.
 */
export async function claimExpectedHost(
  deps: ClaimDeps,
  host: Host,
  facts: Facts,
  at: string,
  ip: string,
): Promise<{ durable: Promise<void> } | undefined> {
  if (host.expected || host.state !== 'discovered') return;
  const records = await deps.store.expectedHosts.list();
  const matches = records.length ? matchingRecords(records, machineKeys(facts, host.serial)) : [];
  if (!matches.length) {
    // The records that were ambiguous were changed or deleted meanwhile: nothing waits for a person.
    delete host.expected_ambiguous;
    return;
  }
  const taken = await takenByOthers(
    deps,
    host.id,
    matches.map((m) => m.record),
  );
  if (matches.length > 1 || taken.length) {
    const ids = matches.map((m) => m.record.id);
    const reason =
      matches.length > 1
        ? `${matches.length} expected-host records match this machine (${ids.join(', ')}): none was taken, choose one`
        : `expected-host record ${ids[0]} matches this machine but host ${taken[0]!.claimed_by} already took it: choose it by hand (force) if it is this one`;
    flagAmbiguous(deps, host, ids, reason, at, ip);
    return;
  }
  const { record, by } = matches[0]!;
  const refused = hostnameRefusal(record, await holderOf(deps, record.hostname, host.id));
  if (refused) {
    delete host.expected_ambiguous; // one record matches now: what was ambiguous is not any more
    note(
      host,
      'expected-waiting',
      `expected-host record ${record.id} matches (by ${by.join(', ')}) but ${refused}: not taken, the host waits`,
      at,
      ip,
    );
    deps.log.warn({ host: host.id, record: record.id }, `expected host not taken: ${refused}`);
    return;
  }
  const claimed = takeRecord(host, record, by, { actor: 'machine', ip, at, bmcTaken: await bmcTakenFor(deps, record, host.id) });
  deps.log.info({ host: host.id, record: record.id, matched_by: by }, 'expected host claimed');
  return { durable: deps.store.expectedHosts.save(claimed) };
}

export interface TakeOptions {
  actor: string;
  ip?: string;
  at: string;
  /** Another host already has the record's BMC address: the BMC is left out (bmc/adopt.ts says why). */
  bmcTaken: boolean;
}

/** The record's hostname, free tags and BMC on `host` (mutated), with one `expected-claimed` event;
 *  returns the record as taken by it. The hostname is the caller's to have checked free. */
export function takeRecord(host: Host, record: Readonly<ExpectedHost>, by: readonly string[], o: TakeOptions): ExpectedHost {
  const gave: string[] = [];
  if (record.hostname && VALID_HOSTNAME.test(record.hostname)) {
    host.hostname = record.hostname;
    gave.push(`hostname ${record.hostname}`);
  }
  const tags = mergedTags(host.tags, record.tags);
  if (tags.added.length) {
    host.tags = tags.all;
    gave.push(`tags ${tags.added.join(', ')}`);
  }
  if (record.bmc) {
    if (host.bmc?.address_source === 'manual') gave.push('not its BMC (one was set by hand)');
    else if (o.bmcTaken) gave.push(`not its BMC (another host has the address ${record.bmc.address})`);
    else {
      host.bmc = bmcOf(record.bmc, o.at);
      gave.push(`BMC ${record.bmc.driver} ${record.bmc.address}`);
    }
  }
  host.expected = { id: record.id, matched_by: [...by], at: o.at };
  delete host.expected_ambiguous;
  host.updated_at = o.at;
  const how = by.length ? `matched by ${by.join(', ')}` : 'chosen by hand';
  addEvent(host, {
    type: 'expected-claimed',
    actor: o.actor,
    ...(o.ip ? { ip: o.ip } : {}),
    at: o.at,
    message: `took expected-host record ${record.id} (${how})${gave.length ? `: ${gave.join('; ')}` : ''}`,
  });
  return { ...record, claimed_by: host.id, claimed_at: o.at };
}

/** Why the record's hostname cannot be taken, if it cannot. */
export function hostnameRefusal(record: Readonly<ExpectedHost>, holder: string | undefined): string | undefined {
  if (!record.hostname) return undefined;
  if (!VALID_HOSTNAME.test(record.hostname)) return `its hostname is not a valid hostname`;
  return holder ? `its hostname ${record.hostname} is already used by host ${holder}` : undefined;
}

/** The host (other than `self`) that has `hostname`, if any. */
export async function holderOf(deps: Pick<Deps, 'store'>, hostname: string | undefined, self: string): Promise<string | undefined> {
  if (!hostname) return undefined;
  const holder = await deps.store.hosts.findByHostname(hostname);
  return holder && holder.id !== self ? holder.id : undefined;
}

export async function bmcTakenFor(deps: Pick<Deps, 'store'>, record: Readonly<ExpectedHost>, self: string): Promise<boolean> {
  return record.bmc ? bmcHolder(record.bmc.address, self, await deps.store.hosts.list()) !== undefined : false;
}

/** The records taken by another host that still exists: a record whose host was deleted (or whose
 *  registration never reached the disk) is free again. */
export async function takenByOthers(
  deps: Pick<Deps, 'store'>,
  self: string,
  records: readonly Readonly<ExpectedHost>[],
): Promise<Readonly<ExpectedHost>[]> {
  const out: Readonly<ExpectedHost>[] = [];
  for (const r of records) {
    if (r.claimed_by && r.claimed_by !== self && (await deps.store.hosts.get(r.claimed_by))) out.push(r);
  }
  return out;
}

/** Free tags: the host's first, then the record's new ones that are tags at all, up to the cap. A
 *  record's cell is the importer's word, but a stored file can be edited: checked again here. */
function mergedTags(current: readonly string[] | undefined, extra: readonly unknown[] | undefined): { all: string[]; added: string[] } {
  const all = [...(current ?? [])];
  const added: string[] = [];
  for (const tag of Array.isArray(extra) ? extra : []) {
    if (all.length >= MAX_TAGS_PER_HOST) break;
    if (typeof tag === 'string' && TAG_PATTERN.test(tag) && !all.includes(tag)) {
      all.push(tag);
      added.push(tag);
    }
  }
  return { all, added };
}

/** A record's BMC as the host's: set by an admin's list, so 'manual' (facts never replace it), and
 *  the certificate checked as a BMC set by hand is by default (bmc/configure.ts). */
function bmcOf(b: NonNullable<ExpectedHost['bmc']>, at: string): BmcConfig {
  return {
    driver: b.driver,
    address: b.address,
    ...(b.port !== undefined ? { port: b.port } : {}),
    ...(b.credentials ? { credentials: b.credentials } : {}),
    verify_tls: true,
    address_source: 'manual',
    updated_at: at,
  };
}

/** The same ambiguity at each boot is flagged and said once. */
function flagAmbiguous(deps: ClaimDeps, host: Host, ids: string[], reason: string, at: string, ip: string): void {
  const same = host.expected_ambiguous && host.expected_ambiguous.reason === reason;
  if (same) return;
  host.expected_ambiguous = { ids, reason, at };
  addEvent(host, { type: 'expected-ambiguous', actor: 'machine', ip, at, message: reason });
  deps.log.warn({ host: host.id, records: ids }, 'expected host ambiguous: nothing applied');
}

/** An event once per message: a machine re-registering with the same problem says it once. */
function note(host: Host, type: string, message: string, at: string, ip: string): void {
  const last = host.events.findLast((e) => e.type === type);
  if (last?.message !== message) addEvent(host, { type, actor: 'machine', ip, message, at });
}
