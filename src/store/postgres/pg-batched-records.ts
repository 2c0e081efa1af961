// Records that arrive by the thousand (expected hosts: a packing list of 10,000 machines is one import).
// Same promises as PgRecords — a save is visible at once, resolves once committed, is retried while the
// database is away — but every write of the table goes through ONE write-queue key, `<kind>:*`: the
// records changed since the last write are written together, in one transaction of multi-row
// INSERT … ON CONFLICT statements (CHUNK rows each) and one DELETE, so an import costs a few round trips,
// not one per record. The queue's rules still hold, for the table as a whole: writes in order, a write
// not started yet carries every later change, a refused one is retried with the latest state.
//
// Other instances hear one notice: the record's key when one record changed, '*' when several did, and
// read the whole table again (one query, where 10,000 notices would be 10,000).
import { jsonb, writeAllAndNotify } from './db.js';
import { PgRecords } from './pg-records.js';
import { isConstraint } from './write-queue.js';

/** Rows per INSERT: well under PostgreSQL's 65,535 parameters and a statement of bounded size. */
export const CHUNK = 1_000;

/** The notice key (and refresh argument) meaning "read the whole table again". */
export const EVERY_RECORD = '*';

export class PgBatchedRecords<T extends object> extends PgRecords<T> {
  /** Keys changed here and not yet committed, each with its change count and this instance's version
   *  (undefined: deleted): what the next write carries, and what a reload must not lose. */
  private readonly dirty = new Map<string, { change: number; value: T | undefined }>();
  private changes = 0;
  /** The sorted list, kept until the next change: every registration reads it (expected-hosts/claim.ts
   *  indexes it once per version), and sorting 20,000 records per registration would be the cost. */
  private sorted: T[] | undefined;

  override list = async (): Promise<T[]> => (this.sorted ??= [...this.values.values()].sort(this.order));

  protected override put(value: T): void {
    this.sorted = undefined;
    super.put(value);
  }

  protected override drop(key: string): void {
    this.sorted = undefined;
    super.drop(key);
  }

  saveMany = (values: readonly T[]): Promise<void> => {
    for (const value of values) {
      const clone = structuredClone(value);
      this.put(clone);
      this.changed(this.keyOf(clone));
    }
    return this.db.queue.write(`${this.kind}:${EVERY_RECORD}`, () => this.flush());
  };

  /** A reload (another instance's '*', the notification connection back) keeps what this instance
   *  changed and has not written yet — also while the table was being read: its write is still coming,
   *  and must not turn into a delete. */
  override async load(): Promise<void> {
    await super.load();
    for (const [key, { value }] of this.dirty) {
      if (value) this.put(value);
      else this.drop(key);
    }
  }

  override async refresh(key: string): Promise<void> {
    if (key === EVERY_RECORD) return this.load();
    // A record this instance has changed and not written yet: its write comes after the notice's.
    if (this.dirty.has(key)) return;
    return super.refresh(key);
  }

  protected override sync(key: string): Promise<void> {
    this.changed(key);
    return this.db.queue.write(`${this.kind}:${EVERY_RECORD}`, () => this.flush());
  }

  /** Bring every changed row in line with this instance's copy, in one transaction. */
  private async flush(): Promise<void> {
    const taken = new Map([...this.dirty].map(([key, { change }]) => [key, change]));
    if (!taken.size) return;
    const upserts: [string, string][] = [];
    const deletes: string[] = [];
    for (const key of taken.keys()) {
      const value = this.values.get(key);
      if (value) upserts.push([key, jsonb(value)]);
      else deletes.push(key);
    }
    const statements = [];
    for (let i = 0; i < upserts.length; i += CHUNK) {
      const chunk = upserts.slice(i, i + CHUNK);
      statements.push({
        text: `INSERT INTO ${this.table} (name, record) SELECT * FROM unnest($1::text[], $2::json[])
               ON CONFLICT (name) DO UPDATE SET record = EXCLUDED.record`,
        values: [chunk.map(([key]) => key), chunk.map(([, record]) => record)],
      });
    }
    if (deletes.length) statements.push({ text: `DELETE FROM ${this.table} WHERE name = ANY($1::text[])`, values: [deletes] });
    try {
      await writeAllAndNotify(this.db, statements, this.kind, taken.size === 1 ? [...taken.keys()][0]! : EVERY_RECORD);
    } catch (err) {
      // Refused for good (the queue reads the table back): these changes are not to be written again.
      if (isConstraint(err)) this.settle(taken);
      throw err;
    }
    this.settle(taken);
  }

  private changed(key: string): void {
    this.dirty.set(key, { change: ++this.changes, value: this.values.get(key) });
  }

  /** Written: forget the changes `taken` carried, not ones made since. */
  private settle(taken: ReadonlyMap<string, number>): void {
    for (const [key, change] of taken) if (this.dirty.get(key)?.change === change) this.dirty.delete(key);
  }
}
