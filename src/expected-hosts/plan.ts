// What an import would do: each valid row finds the record it describes by any match key they share
// (a MAC, either as boot_mac or mac, a serial, an asset tag, a UUID, a switch port) and is a create,
// an update or unchanged. A row that reaches two records, two rows that reach one record, and a
// hostname another record already has are problems, never guesses. Pure: the import saves what this
// returns, the dry run shows it.
import type { ExpectedHost, ExpectedMatch } from './expected-host.js';
import type { ExpectedHostDraft } from './validate.js';
import { locate, rowName, type ListProblem, type ListRow } from './read-list.js';

export interface PlannedRow {
  row: ListRow;
  draft: ExpectedHostDraft;
}

export interface PlanTarget extends PlannedRow {
  /** The record it updates; none: a new one. */
  existing?: Readonly<ExpectedHost>;
}

/** The identities a record or a row carries, each a "kind value" string compared folded. */
export function identityKeys(match: ExpectedMatch): string[] {
  const keys: string[] = [];
  const fold = (v: string) => v.trim().toLowerCase();
  // One MAC is one NIC whether a list calls it the boot MAC or a MAC.
  if (match.boot_mac) keys.push(`mac ${fold(match.boot_mac)}`);
  if (match.mac) keys.push(`mac ${fold(match.mac)}`);
  if (match.serial) keys.push(`serial ${fold(match.serial)}`);
  if (match.asset_tag) keys.push(`asset_tag ${fold(match.asset_tag)}`);
  if (match.uuid) keys.push(`uuid ${fold(match.uuid)}`);
  if (match.switch && match.port) keys.push(`switch+port ${fold(match.switch)} ${fold(match.port)}`);
  return [...new Set(keys)];
}

/** Rows sharing an identity or a hostname inside the list: each later one is a problem naming the first. */
export function duplicatesInList(rows: readonly PlannedRow[]): ListProblem[] {
  const problems: ListProblem[] = [];
  const firstWith = new Map<string, PlannedRow>();
  for (const planned of rows) {
    const keys = identityKeys(planned.draft.match);
    if (planned.draft.hostname) keys.push(`hostname ${planned.draft.hostname}`);
    for (const key of keys) {
      const first = firstWith.get(key);
      if (!first) {
        firstWith.set(key, planned);
        continue;
      }
      const [kind, ...value] = key.split(' ');
      const field =
        kind === 'hostname'
          ? 'hostname'
          : kind === 'switch+port'
            ? 'match.switch'
            : kind === 'mac'
              ? macField(planned.draft.match, value.join(' '))
              : `match.${kind}`;
      problems.push(locate(planned.row, field, `${kind} ${value.join(' ')} is also on ${rowName(first.row)}: one machine, one row`));
    }
  }
  return problems;
}

function macField(match: ExpectedMatch, mac: string): string {
  return match.boot_mac?.toLowerCase() === mac ? 'match.boot_mac' : 'match.mac';
}

/** Each row with the record it updates, or the problems. */
export function targets(
  rows: readonly PlannedRow[],
  records: readonly Readonly<ExpectedHost>[],
): { targets: PlanTarget[]; problems: ListProblem[] } {
  const byKey = new Map<string, Readonly<ExpectedHost>[]>();
  const byHostname = new Map<string, Readonly<ExpectedHost>>();
  for (const record of records) {
    for (const key of identityKeys(record.match)) byKey.set(key, [...(byKey.get(key) ?? []), record]);
    if (record.hostname) byHostname.set(record.hostname.toLowerCase(), record);
  }
  const problems: ListProblem[] = [];
  const out: PlanTarget[] = [];
  const takenBy = new Map<string, PlannedRow>();
  for (const planned of rows) {
    const found = new Map<string, Readonly<ExpectedHost>>();
    for (const key of identityKeys(planned.draft.match)) for (const r of byKey.get(key) ?? []) found.set(r.id, r);
    if (found.size > 1) {
      problems.push(
        locate(
          planned.row,
          'match',
          `matches ${found.size} expected hosts (${[...found.keys()].join(', ')}): say which by its keys, or delete one`,
        ),
      );
      continue;
    }
    const existing = [...found.values()][0];
    if (existing) {
      const other = takenBy.get(existing.id);
      if (other) {
        problems.push(
          locate(planned.row, 'match', `matches expected host ${existing.id}, as ${rowName(other.row)} does: one record, one row`),
        );
        continue;
      }
      takenBy.set(existing.id, planned);
    }
    const holder = planned.draft.hostname ? byHostname.get(planned.draft.hostname) : undefined;
    if (holder && holder.id !== existing?.id) {
      problems.push(locate(planned.row, 'hostname', `"${planned.draft.hostname}" is already the hostname of expected host ${holder.id}`));
      continue;
    }
    out.push({ ...planned, ...(existing ? { existing } : {}) });
  }
  return { targets: out, problems };
}
