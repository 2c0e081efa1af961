// The variables a kickstart template sees (documented in docs/templates.md). Built in one place so
// the poll answer, the admin preview and the dry run at assignment all render the same thing.
import type { Facts } from '../../discovery/facts.js';
import type { Host } from '../../hosts/host.js';

export interface KickstartContext {
  host: {
    id: string;
    hostname: string | null;
    boot_mac: string;
    boot_nic: string | null;
    nics: Facts['nics'];
    state: string;
  };
  facts: Facts;
  params: Record<string, unknown>;
  kickstand: { url: string; host_url: string };
}

export function kickstartContext(
  host: Pick<Host, 'id' | 'hostname' | 'boot_mac' | 'state'>,
  facts: Facts,
  params: Record<string, unknown>,
  baseUrl: string,
): KickstartContext {
  return {
    host: {
      id: host.id,
      hostname: host.hostname ?? null,
      boot_mac: host.boot_mac,
      boot_nic: facts.nics.find((n) => n.mac === host.boot_mac)?.name ?? null,
      nics: facts.nics,
      state: host.state,
    },
    facts,
    params,
    kickstand: { url: baseUrl, host_url: `${baseUrl}/api/v1/discovery/${host.id}` },
  };
}
