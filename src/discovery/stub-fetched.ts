// dracut fetched the stub: note it on the host its headers name, or keep it until that host registers.
import type { Deps } from '../deps.js';
import { addEvent } from '../hosts/host.js';
import { realSerial } from './identity.js';
import { readSighting } from './sightings.js';

export async function noteStubFetch(deps: Deps, headers: Record<string, string | string[] | undefined>, ip: string): Promise<void> {
  const sighting = readSighting(headers, ip);
  if (!sighting) return;
  await deps.hostsLock.run(async () => {
    for (const mac of sighting.macs) {
      const known = await deps.store.findByBootMac(mac);
      if (!known) continue;
      const host = { ...known, events: [...known.events] };
      const serial = host.serial ?? realSerial(sighting.serial);
      if (serial) host.serial = serial;
      addEvent(host, { type: 'stub-fetched', actor: 'machine', ip, message: `stub kickstart fetched${sighting.release ? ` by ${sighting.release}` : ''}` });
      // Not awaited by the caller: GET /ks must answer at once even when the disk is slow or full.
      void deps.store.saveHost(host).catch((err: unknown) => deps.log.error({ err, host: host.id }, 'could not record stub fetch'));
      return;
    }
    deps.sightings.remember(sighting);
  });
}
