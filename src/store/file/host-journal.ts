// Hosts and their facts on disk: an append-only journal (`hosts.jsonl`), one JSON line per saved host,
// per facts upload, or per deletion. A registration storm appends a few KB per host and syncs once per
// group commit, instead of re-serialising every host (lowdb's whole-document write(): quadratic over a
// storm, 100 ms+ of blocked event loop at 10,000 hosts) or writing one file per host (four syscalls a
// host, through libuv's four threads). Each append is fdatasync'ed before the callers' promises
// resolve: an acknowledged registration survives a crash or a power cut.
//
// Lines: {"h":{…host…}} · {"fid":"ID","f":{…facts…}} · {"d":"ID"}. Facts stay on disk: only their byte
// range is kept in memory, and facts lines are recognised by their fixed prefix and never parsed at
// start-up (10,000 machines' facts are ~50 MB). When the journal holds twice as many records as a
// snapshot of the live hosts would, it is compacted into one (facts copied byte for byte), in slices
// that yield to the event loop, then renamed over the journal.
//
// Reading it back: the last record of an id wins; a final line cut short by a crash mid-append is
// dropped (nobody was told it was saved); any other unreadable line stops the start with its offset.
//
// A full or failing disk: an append that fails part-way (ENOSPC after some bytes) is cut back to the
// last whole record before the failure is reported, so the next append never lands after a torn line
// (which would leave a corrupt line in the middle, and the next start would refuse the file). A failed
// compaction removes its temp file and leaves the journal as it was.
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { FILE_MODE } from './file-modes.js';
import type { Facts } from '../../discovery/facts.js';
import type { Host } from '../../hosts/host.js';
import { DiskWriteError, syncDir, writeAll } from './disk-write.js';
import { messageOf, errnoOf } from '../../errors.js';

const FACTS_PREFIX = '{"fid":"';
const FACTS_LINE = /^\{"fid":"([A-Za-z0-9_-]{1,64})","f":\{/;

export class JournalCorrupt extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly offset: number,
    cause: string,
  ) {
    super(`${file}: line ${line} (byte offset ${offset}) is not a host record: ${cause}`);
    this.name = 'JournalCorrupt';
  }
}

/** Where a host's facts line is in the journal. */
interface Span {
  offset: number;
  length: number;
}

export interface LoadedJournal {
  hosts: Map<string, Host>;
  facts: Map<string, Span>;
  /** Records in the file (live or superseded): when it reaches twice the live count, compact. */
  records: number;
  /** Bytes of whole records (a torn tail excluded): where the next append goes. */
  size: number;
  /** A torn last line was dropped (a crash mid-append). */
  tornTail: boolean;
}

/** Read in slices: the journal is ~9 KB a host (90 MB at 10,000), and reading it whole held all of it
 *  in one buffer for the start-up (and in RSS long after). A slice ends at its last whole line; the
 *  rest is carried into the next. */
const READ_SLICE = 4 * 1024 * 1024;

/** `handle`: read through this one (the caller keeps it open), so that a reader beside the running
 *  service reads facts from the very file it loaded even if a compaction renames another over it. */
export async function loadJournal(file: string, handle?: FileHandle): Promise<LoadedJournal> {
  let fh: FileHandle;
  try {
    fh = handle ?? (await open(file, 'r'));
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return { hosts: new Map(), facts: new Map(), records: 0, size: 0, tornTail: false };
    throw err;
  }
  const hosts = new Map<string, Host>();
  const facts = new Map<string, Span>();
  let records = 0;
  let line = 0;
  /** Where `carry` starts in the file. */
  let at = 0;
  let carry = Buffer.alloc(0);
  try {
    for (;;) {
      const slice = Buffer.allocUnsafe(READ_SLICE);
      const { bytesRead } = await fh.read(slice, 0, READ_SLICE, at + carry.length);
      if (bytesRead === 0) break;
      const buf = carry.length ? Buffer.concat([carry, slice.subarray(0, bytesRead)]) : slice.subarray(0, bytesRead);
      let offset = 0;
      for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, offset)) {
        line++;
        if (nl > offset) {
          try {
            readRecord(buf, offset, nl, at + offset, hosts, facts);
            records++;
          } catch (err) {
            throw new JournalCorrupt(file, line, at + offset, messageOf(err));
          }
        }
        offset = nl + 1;
      }
      // Copied out, so a short carry does not keep the whole 4 MB slice alive.
      carry = Buffer.from(buf.subarray(offset));
      at += offset;
    }
  } finally {
    if (!handle) await fh.close();
  }
  // Only the very end can be a torn write: it has no newline after it. Nobody was told it was saved.
  if (carry.length) return { hosts, facts, records, size: at, tornTail: true };
  return { hosts, facts, records, size: at, tornTail: false };
}

/** One line, `buf[start, end)`, at `offset` in the file. Facts lines are recognised by their fixed
 *  prefix and never parsed: only where they are is kept. */
function readRecord(buf: Buffer, start: number, end: number, offset: number, hosts: Map<string, Host>, facts: Map<string, Span>): void {
  const head = buf.toString('utf-8', start, Math.min(end, start + 80));
  if (head.startsWith(FACTS_PREFIX)) {
    const m = FACTS_LINE.exec(head);
    if (!m || buf[end - 1] !== 0x7d) throw new Error('a facts record that does not end as one');
    facts.set(m[1]!, { offset, length: end - start });
    return;
  }
  const rec = JSON.parse(buf.toString('utf-8', start, end)) as { h?: Host; d?: string };
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a journal line may hold any JSON, also null; the type names what this checks for
  if (rec?.h && typeof rec.h.id === 'string') hosts.set(rec.h.id, rec.h);
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- as above
  else if (typeof rec?.d === 'string') {
    hosts.delete(rec.d);
    facts.delete(rec.d);
  } else throw new Error('neither a host, facts nor a deletion');
}

export class HostJournal {
  /** A failed append could not be cut back (the truncate failed too): do it before the next append. */
  private torn = false;

  private constructor(
    private readonly file: string,
    private appender: FileHandle,
    private reader: FileHandle,
    private readonly facts: Map<string, Span>,
    private records: number,
    private size: number,
  ) {}

  static async open(file: string, loaded: LoadedJournal, { cutTornTail = true } = {}): Promise<HostJournal> {
    const appender = await open(file, 'a', FILE_MODE);
    try {
      // A torn tail would glue itself to the next record: cut it off (needs no free space, unlike a
      // compaction, so a start on a full disk still works). Not by a reader beside the running
      // service, for which the "torn" tail is an append in progress.
      if (loaded.tornTail && cutTornTail) await appender.truncate(loaded.size);
      // A journal created just now: its name must reach the disk before the first acknowledged
      // registration does (fdatasync on the file does not cover its directory entry).
      if (cutTornTail && loaded.size === 0) await syncDir(path.dirname(file));
      return new HostJournal(file, appender, await open(file, 'r'), loaded.facts, loaded.records, loaded.size);
    } catch (err) {
      await appender.close();
      throw err;
    }
  }

  /** The journal's file name (for messages). */
  get path(): string {
    return this.file;
  }

  hasFacts(id: string): boolean {
    return this.facts.has(id);
  }

  async readFacts(id: string): Promise<Facts | undefined> {
    const span = this.facts.get(id);
    if (!span) return undefined;
    const buf = Buffer.alloc(span.length);
    await this.reader.read(buf, 0, span.length, span.offset);
    return (JSON.parse(buf.toString('utf-8')) as { f: Facts }).f;
  }

  /** Append facts, saves and deletions as one write, then make them durable. */
  async append(facts: [string, Facts][], saves: Host[], deletions: string[]): Promise<void> {
    if (!facts.length && !saves.length && !deletions.length) return;
    const parts: Buffer[] = [];
    const spans: [string, Span][] = [];
    let at = this.size;
    const push = (line: string) => {
      const b = Buffer.from(`${line}\n`);
      parts.push(b);
      at += b.length;
      return b.length;
    };
    for (const [id, f] of facts) {
      const start = at;
      const len = push(`${FACTS_PREFIX}${id}","f":${JSON.stringify(f)}}`);
      spans.push([id, { offset: start, length: len - 1 }]);
    }
    for (const h of saves) push(JSON.stringify({ h }));
    for (const d of deletions) push(JSON.stringify({ d }));
    const data = Buffer.concat(parts);
    if (this.torn) await this.cutBack();
    try {
      await writeAll(this.appender, data);
      await this.appender.datasync();
    } catch (err) {
      // Nobody is told these records were saved: take back whatever part of them reached the file.
      await this.cutBack().catch(() => undefined);
      throw new DiskWriteError(this.file, err);
    }
    this.size += data.length;
    this.records += parts.length;
    for (const [id, span] of spans) this.facts.set(id, span);
    for (const d of deletions) this.facts.delete(d);
  }

  /** Truncate the file to the end of its last whole record. Shrinking a file needs no free space, so
   *  this works on a full disk; if even this fails, the next append retries it first. */
  private async cutBack(): Promise<void> {
    this.torn = true;
    try {
      await this.appender.truncate(this.size);
    } catch (err) {
      throw new DiskWriteError(this.file, err);
    }
    this.torn = false;
  }

  /** A live host has two records (facts and host) after a compaction, so "twice as many records as
   *  live" counts both: against hosts alone, every save after the first compaction compacted again. */
  needsCompaction(live: number): boolean {
    return this.records > Math.max(1000, 2 * (live + this.facts.size));
  }

  /** Replace the journal with one host record (and one facts record) per live host. Written to a temp
   *  file in slices (the event loop keeps serving), synced, renamed over the journal. Facts are copied
   *  as bytes from the old file; `extraFacts` adds facts not in it yet (moved from older layouts). */
  async compact(hosts: ReadonlyMap<string, Host>, extraFacts: ReadonlyMap<string, Facts> = new Map()): Promise<void> {
    const tmp = `${this.file}.compact`;
    const spans = new Map<string, Span>();
    let size = 0;
    let records = 0;
    let out: FileHandle | undefined;
    const opened: FileHandle[] = [];
    try {
      out = await open(tmp, 'w', FILE_MODE);
      let chunk: Buffer[] = [];
      const flush = async () => {
        if (!chunk.length) return;
        const data = Buffer.concat(chunk);
        chunk = [];
        await writeAll(out!, data);
        await new Promise((r) => setImmediate(r));
      };
      const add = (b: Buffer) => {
        chunk.push(b);
        size += b.length;
        records++;
      };
      for (const host of hosts.values()) {
        const span = this.facts.get(host.id);
        const extra = extraFacts.get(host.id);
        if (span || extra) {
          const line = span ? Buffer.alloc(span.length) : Buffer.from(`${FACTS_PREFIX}${host.id}","f":${JSON.stringify(extra)}}`);
          if (span) await this.reader.read(line, 0, span.length, span.offset);
          spans.set(host.id, { offset: size, length: line.length });
          add(Buffer.concat([line, Buffer.from('\n')]));
        }
        add(Buffer.from(`${JSON.stringify({ h: host })}\n`));
        if (chunk.length >= 1000) await flush();
      }
      await flush();
      await out.datasync();
      await out.close();
      out = undefined;
      // The new handles are opened on the temp file before the rename (they follow it): once the rename
      // is done nothing can fail and leave appends going to the replaced file.
      opened.push(await open(tmp, 'a'), await open(tmp, 'r'));
      await rename(tmp, this.file);
    } catch (err) {
      await out?.close().catch(() => undefined);
      for (const h of opened) await h.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
      throw new DiskWriteError(tmp, err);
    }
    // Swap in one synchronous step: a facts read never sees the new handles with the old offsets.
    const old = [this.appender, this.reader];
    [this.appender, this.reader] = opened as [FileHandle, FileHandle];
    this.facts.clear();
    for (const [id, span] of spans) this.facts.set(id, span);
    this.size = size;
    this.records = records;
    this.torn = false;
    for (const h of old) await h.close().catch(() => undefined);
    // The appends that follow are fdatasync'ed to the new file; its name must be durable too.
    await syncDir(path.dirname(this.file)).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.appender.close();
    await this.reader.close();
  }
}
