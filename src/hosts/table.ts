// The hosts table: which columns it can show beyond the fixed ones and what each sort key orders by.
// Every column comes from the host record and its facts summary, never from the facts files, so
// sorting and filtering 10,000 hosts stays one pass over the hot document (query.ts runs it).
import type { Host, HostState } from './host.js';
import { hostTags } from '../tags/tag.js';

/** The states the table filters by, in the order of a host's life. */
export const STATES: readonly HostState[] = ['discovered', 'assigned', 'provisioning', 'installed', 'failed', 'lost'];

export interface Column {
  key: string;
  label: string;
  value(h: Readonly<Host>): string | number | boolean | undefined | null;
}

/** Extra columns a user can tick. */
export const EXTRA_COLUMNS: readonly Column[] = [
  { key: 'serial', label: 'Serial', value: (h) => h.serial ?? h.summary.serial },
  { key: 'uuid', label: 'UUID', value: (h) => h.uuid },
  { key: 'arch', label: 'Arch', value: (h) => h.summary.arch },
  { key: 'firmware', label: 'Firmware', value: (h) => h.summary.firmware },
  { key: 'installer', label: 'Installer', value: (h) => h.summary.installer },
  { key: 'kexec', label: 'kexec', value: (h) => (h.summary.kexec ? 'yes' : 'no') },
  { key: 'nics', label: 'NICs', value: (h) => h.summary.nic_count },
  { key: 'cores', label: 'Cores', value: (h) => h.summary.cpu_cores },
  { key: 'profile', label: 'Profile', value: (h) => h.assignment?.profile },
  { key: 'rule', label: 'Rule', value: (h) => h.assignment?.rule },
  { key: 'first_seen', label: 'First seen', value: (h) => h.created_at },
  // The last state the BMC answered (bmc/power-refresh.ts keeps it), never asked on this request.
  { key: 'power', label: 'Power', value: (h) => h.power?.state },
  // Free and automatic, as rules and the filter see them ("gpu" in tags).
  { key: 'tags', label: 'Tags', value: (h) => hostTags(h).sort().join(' ') || undefined },
];

/** What each sort key orders by (lowercased text, numbers, ISO times); missing values sort last. */
export const SORT_KEYS: Record<string, (h: Readonly<Host>) => string | number | undefined | null> = {
  hostname: (h) => (h.hostname ?? h.id).toLowerCase(),
  state: (h) => h.state,
  mac: (h) => h.boot_mac,
  vendor: (h) => `${h.summary.vendor ?? ''} ${h.summary.product ?? ''}`.trim().toLowerCase() || undefined,
  cpu: (h) => h.summary.cpu_cores,
  memory: (h) => h.summary.memory_mib,
  disks: (h) => h.summary.disk_total_bytes,
  ip: (h) => ipKey(h.summary.ip ?? h.last_seen_ip),
  last_seen: (h) => h.last_seen_at,
  ...Object.fromEntries(EXTRA_COLUMNS.map((c) => [c.key, (h: Readonly<Host>) => normal(c.value(h))])),
};

export function sortKeys(): string[] {
  return Object.keys(SORT_KEYS);
}

/** The extra columns named in the query (unknown keys ignored), in the table's order. */
export function chosenColumns(raw: unknown): Column[] {
  const keys = new Set(([] as unknown[]).concat(raw ?? []).filter((k): k is string => typeof k === 'string'));
  return EXTRA_COLUMNS.filter((c) => keys.has(c.key));
}

function normal(v: string | number | boolean | undefined | null): string | number | undefined | null {
  return typeof v === 'boolean' ? String(v) : typeof v === 'string' ? v.toLowerCase() : v;
}

/** 192.0.2.10/24 → a string that sorts numerically, so .9 comes before .10. */
function ipKey(ip: string | undefined): string | undefined {
  const m = ip && /^(\d+)\.(\d+)\.(\d+)\.(\d+)/.exec(ip);
  return m
    ? m
        .slice(1)
        .map((o) => o.padStart(3, '0'))
        .join('.')
    : ip;
}
