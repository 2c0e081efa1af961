// dracut fetched the stub: note it on the host its headers name, or keep it until that host registers.
// At most one such note per host a minute: the headers are anyone's to send (a MAC is no secret), and
// a real boot fetches the stub once (curl's few retries included), so more in a minute is noise.
import type { Deps } from '../deps.js';
import { addEvent, type Host } from '../hosts/host.js';
import { realSerial } from './identity.js';
import { readSighting, type Sighting } from './sightings.js';

export const SIGHTING_EVERY_MS = 60_000;

/** Adds the "stub-fetched" event unless the host already has one from the last minute; says whether
 *  it did. The one writer of that event (GET /ks for a known host, registration for a new one). */
export function addSighting(host: Host, sighting: Sighting, now = Date.now()): boolean {
  const last = host.events.findLast((e) => e.type === 'stub-fetched');
  if (last && now - Date.parse(last.at) < SIGHTING_EVERY_MS) return false;
  addEvent(host, {
    at: sighting.at,
    type: 'stub-fetched',
    actor: 'machine',
    ip: sighting.ip,
    message: `stub kickstart fetched${sighting.release ? ` by ${sighting.release}` : ''}${sighting.arch ? ` (${sighting.arch})` : ''}`,
  });
  return true;
}

export async function noteStubFetch(
  deps: Pick<Deps, 'hostsLock' | 'store' | 'log' | 'sightings'>,
  headers: Record<string, string | string[] | undefined>,
  ip: string,
): Promise<void> {
  const sighting = readSighting(headers, ip);
  if (!sighting) return;
  await deps.hostsLock.run(async () => {
    for (const mac of sighting.macs) {
      const known = await deps.store.hosts.findByBootMac(mac);
      if (!known) continue;
      const host = { ...known, events: [...known.events] };
      const serial = host.serial ?? realSerial(sighting.serial);
      const serialIsNew = !!serial && serial !== known.serial;
      if (serial) host.serial = serial;
      // Nothing new: no write at all, so a flood of fetches costs no disk.
      if (!addSighting(host, sighting) && !serialIsNew) return;
      // Not awaited by the caller: GET /ks must answer at once even when the disk is slow or full.
      void deps.store.hosts.save(host).catch((err: unknown) => deps.log.error({ err, host: host.id }, 'could not record stub fetch'));
      return;
    }
    deps.sightings.remember(sighting);
  });
}
