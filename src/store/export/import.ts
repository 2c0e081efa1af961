// Importing an export into a store that holds nothing yet, through its repositories only, so any store
// takes any store's export. Records keep what they were: ids, token hashes and expiries, timelines,
// hostnames, rule sequences, users, every template version with its number. Audit entries are appended
// in their order and numbered anew by the target (their `seq` is the target's).
import { isDeepStrictEqual } from 'node:util';
import { DataMoveError, messageOf } from '../../errors.js';
import { DEFAULT_SETTINGS } from '../../rules/rule.js';
import type { Store } from '../store.js';
import type { ExportRecord } from './format.js';
import { readExport, type CheckedExport } from './read.js';

/** Saves in flight at once. Awaiting each save would cost one commit per record (a rewrite of
 *  kickstand.json per audit entry); saves made together share a commit in every store (the file store's
 *  group commit, the PostgreSQL write queue), and a bounded batch keeps memory flat. */
const SAVES_AT_ONCE = 500;

/** What `store` holds that an import would land on top of ("3 hosts", "1 user (admin)"); empty when
 *  there is nothing. */
export async function storedRecords(store: Store): Promise<string[]> {
  const [hosts, profiles, rules, users, installers, webhooks, bmcCredentials, tagDefinitions, expectedHosts, audit, templates, settings] =
    await Promise.all([
      store.hosts.list(),
      store.profiles.list(),
      store.rules.list(),
      store.users.list(),
      store.installers.list(),
      store.webhooks.list(),
      store.bmcCredentials.list(),
      store.tagDefinitions.list(),
      store.expectedHosts.list(),
      store.audit.list(),
      store.templates.names(),
      store.settings.get(),
    ]);
  // What is there, by count; records with names by their first few names too.
  const kinds: [one: string, many: string, what: number | readonly string[]][] = [
    ['host', 'hosts', hosts.length],
    ['profile', 'profiles', profiles.map((p) => p.name)],
    ['rule', 'rules', rules.map((r) => r.name)],
    ['user', 'users', users.map((u) => u.name)],
    ['installer', 'installers', installers.map((i) => i.name)],
    ['webhook', 'webhooks', webhooks.map((w) => w.name)],
    ['BMC credential set', 'BMC credential sets', bmcCredentials.map((c) => c.name)],
    ['tag definition', 'tag definitions', tagDefinitions.map((t) => t.name)],
    ['expected host', 'expected hosts', expectedHosts.length],
    ['audit entry', 'audit entries', audit.length],
    ['template history', 'template histories', templates],
  ];
  const held: string[] = [];
  for (const [one, many, what] of kinds) {
    const n = typeof what === 'number' ? what : what.length;
    if (!n) continue;
    const names = typeof what === 'number' ? '' : ` (${what.slice(0, 5).join(', ')}${n > 5 ? ', …' : ''})`;
    held.push(`${n} ${n === 1 ? one : many}${names}`);
  }
  if (!isDeepStrictEqual({ ...settings }, DEFAULT_SETTINGS)) held.push('settings other than the defaults');
  return held;
}

/** Write every record of the export `checked` (already read once, every line checked) into `store`. */
export async function importExport(store: Store, file: string, checked: CheckedExport): Promise<void> {
  const saves = new Saves();
  let line = 0;
  try {
    await readExport(file, {
      sameAs: checked.stamp,
      onRecord: async (record, n) => {
        line = n;
        for (const save of importRecord(store, record)) saves.add(save);
        if (saves.full) await saves.settle();
      },
    });
    await saves.settle();
  } catch (err) {
    await saves.settle().catch(() => undefined);
    if (err instanceof DataMoveError && err.code === 'CHANGED') throw err;
    throw new DataMoveError(
      'STOPPED',
      `the import stopped at line ${line} of ${file}: ${messageOf(err)}. The target holds part of the export: ` +
        'empty it (a new database, or a new data dir with the same secret.key) and import again',
    );
  }
}

/** The writes of one record, started (not awaited). */
function importRecord(store: Store, record: ExportRecord): Promise<void>[] {
  switch (record.type) {
    case 'settings':
      return [store.settings.save(record.settings)];
    case 'profile':
      return [store.profiles.save(record.profile)];
    case 'rule':
      return [store.rules.save(record.rule)];
    case 'installer':
      return [store.installers.save(record.installer)];
    case 'webhook':
      return [store.webhooks.save(record.webhook)];
    case 'bmc_credentials':
      return [store.bmcCredentials.save(record.bmc_credentials)];
    case 'tag_definition':
      return [store.tagDefinitions.save(record.tag_definition)];
    case 'expected_host':
      // One at a time like the rest: saves made together share a commit (PostgreSQL writes the table's
      // pending records in one transaction, pg-batched-records.ts).
      return [store.expectedHosts.save(record.expected_host)];
    case 'user':
      return [store.users.save(record.user)];
    case 'template_version':
      // Appends of one template are taken in call order by every store: versions stay in order.
      return [store.templates.append(record.version)];
    case 'host': {
      const { host, facts, install_log: log } = record;
      return [store.hosts.save(host, facts), ...(log !== undefined ? [store.hosts.saveInstallLog(host.id, log)] : [])];
    }
    case 'audit': {
      const { seq: _seq, ...entry } = record.entry;
      return [store.audit.append(entry)];
    }
  }
}

/** Saves started and not yet awaited; the first failure is kept for settle(). */
class Saves {
  private waiting: Promise<void>[] = [];
  private failure: { err: unknown } | undefined;

  get full(): boolean {
    return this.waiting.length >= SAVES_AT_ONCE;
  }

  add(save: Promise<void>): void {
    // Caught at once: a save that fails before the batch is awaited must not be an unhandled rejection.
    this.waiting.push(
      save.catch((err: unknown) => {
        this.failure ??= { err };
      }),
    );
  }

  async settle(): Promise<void> {
    await Promise.all(this.waiting.splice(0));
    if (this.failure) throw this.failure.err;
  }
}
