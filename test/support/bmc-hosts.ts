// Hosts with a BMC set, saved straight into the store (the BMC forms and facts are other engineers'
// parts of issue 18): the password sealed with the data dir's key, as the service keeps it.
import type { BmcConfig } from '../../src/bmc/bmc.js';
import type { Deps } from '../../src/deps.js';
import type { Host, HostState } from '../../src/hosts/host.js';

export const BMC_PASSWORD = 'Bmc-Pa55word-never-shown';

export interface BmcHostOptions {
  address?: string;
  password?: string;
  state?: HostState;
  hostname?: string;
  /** Fields over the defaults; undefined removes one (a BMC without a user); null: no BMC at all. */
  bmc?: { [K in keyof BmcConfig]?: BmcConfig[K] | undefined } | null;
}

export async function saveHostWithBmc(deps: Pick<Deps, 'store' | 'secrets'>, id: string, opts: BmcHostOptions = {}): Promise<Host> {
  const now = new Date().toISOString();
  let n = 7;
  for (let i = 0; i < id.length; i++) n = (n * 31 + id.charCodeAt(i)) >>> 0;
  const mac = `52:54:${[24, 16, 8, 0].map((s) => ((n >>> s) & 0xff).toString(16).padStart(2, '0')).join(':')}`;
  const host: Host = {
    id,
    state: opts.state ?? 'discovered',
    boot_mac: mac,
    macs: [mac],
    ...(opts.hostname ? { hostname: opts.hostname } : {}),
    token_hash: '',
    summary: { disk_count: 0, disk_total_bytes: 0, nic_count: 1, kexec: false },
    created_at: now,
    updated_at: now,
    last_seen_at: now,
    events: [],
    ...(opts.bmc === null
      ? {}
      : {
          bmc: withoutUndefined({
            driver: 'ipmi',
            address: opts.address ?? `10.9.0.${(n % 250) + 1}`,
            username: 'admin',
            password: deps.secrets.sealValue(opts.password ?? BMC_PASSWORD),
            verify_tls: false,
            address_source: 'manual',
            updated_at: now,
            ...opts.bmc,
          }),
        }),
  };
  await deps.store.hosts.save(host);
  return host;
}

function withoutUndefined<T extends object>(o: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
