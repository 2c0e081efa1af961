// The host picker's search (template preview): the first few hosts whose id, hostname or MAC holds
// what was typed. A fleet has thousands of hosts; a form lists the 20 that match, never all of them.
import type { Deps } from '../deps.js';
import type { Host } from './host.js';

export const SEARCH_LIMIT = 20;

export interface HostPick {
  id: string;
  hostname: string | null;
  boot_mac: string;
  state: Host['state'];
}

/** MACs match in any spelling: `B8-CA-3A-…`, `b8ca3a…`, `b8:ca:3a:…`. */
const macKey = (s: string) => s.toLowerCase().replace(/[^0-9a-f]/g, '');

export async function searchHosts(deps: Pick<Deps, 'store'>, query: string, limit = SEARCH_LIMIT): Promise<HostPick[]> {
  const q = query.trim().toLowerCase().slice(0, 100);
  const mac = macKey(q);
  const picks: HostPick[] = [];
  for (const h of await deps.store.hosts.list()) {
    const hit =
      !q ||
      h.id.toLowerCase().includes(q) ||
      (h.hostname?.toLowerCase().includes(q) ?? false) ||
      (mac.length >= 2 && h.macs.some((m) => macKey(m).includes(mac)));
    if (!hit) continue;
    picks.push({ id: h.id, hostname: h.hostname ?? null, boot_mac: h.boot_mac, state: h.state });
    if (picks.length >= limit) break;
  }
  return picks;
}

/** The one host `typed` names exactly: its id, hostname or boot MAC (any spelling). */
export async function findHost(deps: Pick<Deps, 'store'>, typed: string): Promise<Readonly<Host> | undefined> {
  const t = typed.trim();
  const byId = await deps.store.hosts.get(t);
  if (byId) return byId;
  const byName = await deps.store.hosts.findByHostname(t);
  if (byName) return byName;
  const mac = macKey(t);
  if (mac.length !== 12) return undefined;
  return (await deps.store.hosts.list()).find((h) => macKey(h.boot_mac) === mac || h.macs.some((m) => macKey(m) === mac));
}
