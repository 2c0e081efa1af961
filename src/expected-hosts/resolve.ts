// A person decides which expected-host record a waiting host is (docs/inventory.md#resolution-by-a-person):
// after an ambiguity (two records matched, or one another host took), or to correct a claim. Choosing
// applies the record as a claim would (claim.ts takeRecord) and clears the ambiguity; detaching frees
// the record for another machine. Neither assigns the profile: the host page's assign form offers it.
import type { CallerWith } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError, errors } from '../errors.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import { addEvent, type Host } from '../hosts/host.js';
import { bmcTakenFor, holderOf, hostnameRefusal, takeRecord, takenByOthers } from './claim.js';
import type { ExpectedHost } from './expected-host.js';
import { machineKeys, matchRecord } from './match.js';

export type ResolveDeps = AuditDeps & Pick<Deps, 'hostsLock'>;

export interface ChooseRequest {
  id: string;
  /** Take the record from the host that has it (that host keeps what the record gave it). */
  force: boolean;
}

/** States in which a host's hostname may move to another host: nothing rendered with it runs. */
const RENAMABLE: ReadonlySet<string> = new Set(['discovered', 'failed', 'lost']);

const RECORD_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** {id, force?}: anything else is refused naming the field. */
export function readChooseRequest(body: unknown): ChooseRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new AppError('VALIDATION', 'the body must be a JSON object');
  for (const key of Object.keys(body)) {
    if (key !== 'id' && key !== 'force') throw new AppError('VALIDATION', `unknown field "${key}": only id and force`, key);
  }
  const { id, force } = body as { id?: unknown; force?: unknown };
  if (typeof id !== 'string' || !RECORD_ID.test(id)) throw new AppError('VALIDATION', 'id must be an expected-host record id', 'id');
  if (force !== undefined && typeof force !== 'boolean') throw new AppError('VALIDATION', 'force must be true or false', 'force');
  return { id, force: force === true };
}

export async function chooseExpectedHost(deps: ResolveDeps, hostId: string, body: unknown, caller: CallerWith<'ip'>): Promise<Host> {
  const request = readChooseRequest(body);
  const { host, durable } = await deps.hostsLock.run(async () => {
    const current = await deps.store.hosts.get(hostId);
    if (!current) throw errors.hostNotFound(hostId);
    if (current.state !== 'discovered')
      throw new AppError('INVALID_TRANSITION', `host ${hostId} is ${current.state}: only a waiting host takes a record; reset it first`);
    const record = await deps.store.expectedHosts.get(request.id);
    if (!record) throw new AppError('EXPECTED_HOST_NOT_FOUND', `no expected-host record with id "${request.id}"`, 'id');
    const [other] = await takenByOthers(deps, hostId, [record]);
    if (other && !request.force)
      throw new AppError(
        'EXPECTED_HOST_CLAIMED',
        `expected-host record ${record.id} was taken by host ${other.claimed_by}: send force to move it to this host`,
        'id',
      );
    // Forced from a host that is not installing, the record's hostname moves with it; from one that is,
    // it stays there (renaming under an install breaks it) and the choice is refused.
    const holder = await holderOf(deps, record.hostname, hostId);
    const moves = holder !== undefined && holder === other?.claimed_by && RENAMABLE.has((await deps.store.hosts.get(holder))?.state ?? '');
    const refused = hostnameRefusal(record, moves ? undefined : holder);
    if (refused) throw new AppError('HOSTNAME_TAKEN', `expected-host record ${record.id}: ${refused}`, 'hostname');

    const at = new Date().toISOString();
    const writes: Promise<void>[] = [];
    const next: Host = { ...current, events: [...current.events] };
    // The record it had goes back to the pool; the one it takes leaves the host that had it.
    if (current.expected && current.expected.id !== record.id) writes.push(...(await released(deps, current.expected.id, hostId)));
    if (other?.claimed_by) writes.push(...(await detachedFrom(deps, other.claimed_by, record, caller, at)));
    const facts = await deps.store.hosts.getFacts(hostId);
    const by = facts ? (matchRecord(record.match, machineKeys(facts, current.serial)) ?? []) : [];
    const taken = takeRecord(next, record, by, {
      actor: caller.actor,
      ip: caller.ip,
      at,
      bmcTaken: await bmcTakenFor(deps, record, hostId),
    });
    writes.push(deps.store.expectedHosts.save(taken), deps.store.hosts.save(next));
    return { host: next, durable: Promise.all(writes) };
  });
  await durable;
  await audit(deps, caller.actor, 'host.expected.set', hostId, `record ${request.id}${request.force ? ' (forced)' : ''}`);
  return host;
}

/** The host forgets its record (and any ambiguity); the record is free again. What the record gave
 *  (hostname, tags, BMC) stays: it is the host's now, changed like any other. */
export async function detachExpectedHost(deps: ResolveDeps, hostId: string, caller: CallerWith<'ip'>): Promise<Host> {
  const { host, was, durable } = await deps.hostsLock.run(async () => {
    const current = await deps.store.hosts.get(hostId);
    if (!current) throw errors.hostNotFound(hostId);
    if (!current.expected && !current.expected_ambiguous)
      throw new AppError('NOT_FOUND', `host ${hostId} has no expected-host record and no ambiguity`, 'expected');
    const { expected, expected_ambiguous: _flag, ...rest } = current;
    const next: Host = { ...rest, events: [...current.events], updated_at: new Date().toISOString() };
    const writes = expected ? await released(deps, expected.id, hostId) : [];
    addEvent(next, {
      type: 'expected-detached',
      actor: caller.actor,
      ip: caller.ip,
      message: expected
        ? `expected-host record ${expected.id} detached; it is free for another machine`
        : 'expected-host ambiguity dismissed',
    });
    writes.push(deps.store.hosts.save(next));
    return { host: next, was: expected?.id, durable: Promise.all(writes) };
  });
  await durable;
  await audit(deps, caller.actor, 'host.expected.detach', hostId, was ? `record ${was}` : 'ambiguity');
  return host;
}

/** The record, no longer taken by `hostId` (if it was). */
async function released(deps: Pick<Deps, 'store'>, recordId: string, hostId: string): Promise<Promise<void>[]> {
  const record = await deps.store.expectedHosts.get(recordId);
  if (record?.claimed_by !== hostId) return [];
  const { claimed_by: _by, claimed_at: _at, ...free } = record;
  return [deps.store.expectedHosts.save(free)];
}

/** The host that had the record forced away from it, told so on its timeline. */
async function detachedFrom(
  deps: Pick<Deps, 'store'>,
  holderId: string,
  record: Readonly<ExpectedHost>,
  caller: CallerWith<'ip'>,
  at: string,
): Promise<Promise<void>[]> {
  const holder = await deps.store.hosts.get(holderId);
  if (!holder) return [];
  const { expected, ...rest } = holder;
  const next: Host = { ...rest, events: [...holder.events], updated_at: at };
  if (expected && expected.id !== record.id) next.expected = expected;
  const renamed = record.hostname !== undefined && holder.hostname === record.hostname && RENAMABLE.has(holder.state);
  if (renamed) delete next.hostname;
  addEvent(next, {
    type: 'expected-detached',
    actor: caller.actor,
    ip: caller.ip,
    at,
    message: `expected-host record ${record.id} moved to another host${renamed ? `, with its hostname ${record.hostname}` : ''}`,
  });
  return [deps.store.hosts.save(next)];
}
