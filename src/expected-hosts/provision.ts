// The profile of the expected-host record a waiting host took, assigned as the record says
// (docs/inventory.md#provisioning): at once with provision:true whatever auto_provision says;
// with provision:false only when auto_provision is on, and then before the boot entry's
// kickstand.profile= and the rules, because the record is an admin's word about this very machine
// and the others are guesses from the outside. A refused assignment leaves the host waiting with why
// on its timeline; nothing else is tried (falling back to a rule would guess what the admin said).
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { assignHost, type AssignDeps } from '../hosts/assign.js';
import { addEvent, type Host } from '../hosts/host.js';
import type { ExpectedHost } from './expected-host.js';

export const EXPECTED_ACTOR = 'expected-host';

/** The record the host took, when it names a profile and is to be assigned now. */
export async function recordToProvision(
  deps: Pick<Deps, 'store'>,
  host: Readonly<Host>,
  autoProvision: boolean,
): Promise<Readonly<ExpectedHost> | undefined> {
  if (host.state !== 'discovered' || !host.expected) return undefined;
  const record = await deps.store.expectedHosts.get(host.expected.id);
  // A record since taken by another host (an operator forced it there) no longer speaks for this one.
  if (!record?.profile || record.claimed_by !== host.id) return undefined;
  return record.provision || autoProvision ? record : undefined;
}

/** Assign the record's profile, params and hostname; a refusal is said on the timeline, not thrown. */
export async function provisionExpected(
  deps: AssignDeps & Pick<Deps, 'log'>,
  host: Readonly<Host>,
  record: Readonly<ExpectedHost>,
  baseUrl: string,
): Promise<void> {
  const ip = host.last_seen_ip;
  try {
    await assignHost(
      deps,
      host.id,
      {
        profile: record.profile,
        ...(record.params ? { params: record.params } : {}),
        ...(host.hostname ? { hostname: host.hostname } : {}),
      },
      { actor: EXPECTED_ACTOR, ...(ip ? { ip } : {}), baseUrl },
    );
  } catch (err) {
    const message = `profile ${record.profile} of expected-host record ${record.id} not assigned: ${err instanceof AppError ? err.message : 'internal error'}; the host waits`;
    deps.log.warn({ err, host: host.id, record: record.id }, 'expected host not provisioned');
    const saved = await deps.hostsLock.run(async () => {
      const current = await deps.store.hosts.get(host.id);
      if (!current) return undefined;
      const next: Host = { ...current, events: [...current.events] };
      addEvent(next, { type: 'expected-provision-failed', actor: EXPECTED_ACTOR, ...(ip ? { ip } : {}), message });
      return { durable: deps.store.hosts.save(next) };
    });
    await saved?.durable;
  }
}
