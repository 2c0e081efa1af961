// Exporting the expected hosts in the list formats an import reads (docs/inventory.md#expected-hosts-importing-and-exporting-a-packing-list), so an
// exported list imports back with every row unchanged. Secret params are written "***", which an
// import reads as "keep the stored value": the file never carries a secret, not even sealed.
import type { Deps } from '../deps.js';
import { maskParams } from '../secrets/secret-params.js';
import { CSV_COLUMNS } from './columns.js';
import { csvLine } from './csv.js';
import type { ExpectedHost } from './expected-host.js';
import type { ListFormat } from './read-list.js';

/** A record in the import's JSON shape: no id, times or claim (the match keys find it again). */
export function listItem(record: Readonly<ExpectedHost>): Record<string, unknown> {
  return {
    match: record.match,
    ...(record.hostname ? { hostname: record.hostname } : {}),
    ...(record.profile ? { profile: record.profile } : {}),
    ...(record.params && Object.keys(record.params).length ? { params: maskParams(record.params) } : {}),
    ...(record.tags?.length ? { tags: record.tags } : {}),
    ...(record.bmc ? { bmc: record.bmc } : {}),
    provision: record.provision,
  };
}

function csvCells(record: Readonly<ExpectedHost>): string[] {
  const { match, bmc } = record;
  const cells: Record<(typeof CSV_COLUMNS)[number], string> = {
    boot_mac: match.boot_mac ?? '',
    mac: match.mac ?? '',
    serial: match.serial ?? '',
    asset_tag: match.asset_tag ?? '',
    uuid: match.uuid ?? '',
    switch: match.switch ?? '',
    port: match.port ?? '',
    hostname: record.hostname ?? '',
    profile: record.profile ?? '',
    params: record.params && Object.keys(record.params).length ? JSON.stringify(maskParams(record.params)) : '',
    tags: (record.tags ?? []).join(' '),
    bmc_driver: bmc?.driver ?? '',
    bmc_address: bmc?.address ?? '',
    bmc_port: bmc?.port !== undefined ? String(bmc.port) : '',
    bmc_credentials: bmc?.credentials ?? '',
    provision: record.provision ? 'true' : 'false',
  };
  return CSV_COLUMNS.map((c) => cells[c]);
}

export async function exportExpectedHosts(deps: Pick<Deps, 'store'>, format: ListFormat): Promise<string> {
  const records = await deps.store.expectedHosts.list();
  if (format === 'json') return `${JSON.stringify(records.map(listItem), null, 2)}\n`;
  return [csvLine(CSV_COLUMNS), ...records.map((r) => csvLine(csvCells(r)))].join('');
}
