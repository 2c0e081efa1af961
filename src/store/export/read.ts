// Reading an export a line at a time, each line checked as it comes: its JSON, its record type, its
// fields (schemas/export.ts), and what no single line shows — an id, boot MAC, name or token hash given
// twice, template versions out of order, the end record's counts. An import reads the file twice: once
// to check every line (nothing written), once to write; so 100,000 hosts are never held in memory.
import { once } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { AppError, DataMoveError, messageOf } from '../../errors.js';
import { compile } from '../../schemas/validate.js';
import { exportHeaderSchema, exportLineSchemas } from '../../schemas/export.js';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  RECORD_TYPES,
  noCounts,
  type ExportCounts,
  type ExportEnd,
  type ExportHeader,
  type ExportRecord,
  type RecordType,
} from './format.js';

const checkHeader = compile<ExportHeader>(exportHeaderSchema);
const checkLine: Record<string, (value: unknown) => ExportRecord | ExportEnd> = Object.fromEntries(
  Object.entries(exportLineSchemas).map(([type, schema]) => [type, compile<ExportRecord | ExportEnd>(schema)]),
);

export interface CheckedExport {
  header: ExportHeader;
  counts: ExportCounts;
  /** The file's size and change time when it was read: a second read refuses a file changed since. */
  stamp: string;
}

export interface ReadOptions {
  /** Given each record once its line is checked, in file order; the next line waits for it. */
  onRecord?: (record: ExportRecord, line: number) => Promise<void>;
  /** The stamp of an earlier read: refuse the file, before its first record, if it changed since. */
  sameAs?: string;
}

export async function readExport(file: string, options: ReadOptions = {}): Promise<CheckedExport> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new DataMoveError('BAD_LINE', `cannot read ${file}: ${messageOf(err)}`);
  }
  let stamp: string;
  try {
    // Before the line reader exists: readline starts reading at once, and lines it reads before the
    // `for await` below asks for them are lost (a file read as empty when the stat was slow).
    const { size, ctimeMs } = await handle.stat();
    stamp = `${size}:${ctimeMs}`;
  } catch (err) {
    await handle.close();
    throw new DataMoveError('BAD_LINE', `cannot read ${file}: ${messageOf(err)}`);
  }
  const input = handle.createReadStream();
  const lines = createInterface({ input, crlfDelay: Infinity });
  const at = (n: number, problem: string) => new DataMoveError('BAD_LINE', `${file} line ${n}: ${problem}`);
  const seen = new SeenKeys();
  const counts = noCounts();
  let header: ExportHeader | undefined;
  let end: ExportEnd | undefined;
  let n = 0;
  try {
    if (options.sameAs !== undefined && options.sameAs !== stamp)
      throw new DataMoveError('CHANGED', `${file} changed since its lines were checked: nothing was imported; run the import again`);
    for await (const text of lines) {
      n++;
      if (end) throw at(n, 'comes after the end record');
      const value = parseLine(text, (problem) => at(n, problem));
      if (n === 1) {
        header = headerOf(value, (problem) => at(n, problem));
        continue;
      }
      const record = recordOf(value, (problem) => at(n, problem));
      if (record.type === 'end') {
        end = record;
        continue;
      }
      seen.check(record, n, (problem) => at(n, problem));
      counts[record.type]++;
      await options.onRecord?.(record, n);
    }
    if (!header) throw new DataMoveError('BAD_LINE', `${file} is empty: not a Kickstand export`);
    if (!end)
      throw new DataMoveError(
        'INCOMPLETE',
        `${file} ends at line ${n} without its end record: the export was cut short (a full disk, an interrupted copy?); export again`,
      );
    for (const type of RECORD_TYPES) {
      // A count an older export does not have (webhook, bmc_credentials, tag_definition, expected_host) is none.
      const said = (end.counts[type] as number | undefined) ?? 0;
      if (said !== counts[type])
        throw new DataMoveError(
          'INCOMPLETE',
          `${file}: its end record counts ${said} ${type} record(s), the file holds ${counts[type]}: lines are missing; export again`,
        );
    }
    return { header, counts, stamp };
  } finally {
    // The stream owns the handle and closes it; a stream left paused mid-file would keep it open (and
    // handle.close() would wait for it for ever).
    lines.close();
    input.destroy();
    if (!input.closed) await once(input, 'close');
  }
}

function parseLine(text: string, bad: (problem: string) => DataMoveError): unknown {
  if (!text.trim()) throw bad('is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw bad(`is not valid JSON: ${messageOf(err)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('is not a JSON object');
  return value;
}

function headerOf(value: unknown, bad: (problem: string) => DataMoveError): ExportHeader {
  const { format, version } = value as Record<string, unknown>;
  if (format !== EXPORT_FORMAT) throw bad(`is not the header of a Kickstand export (its "format" must be "${EXPORT_FORMAT}")`);
  if (version !== EXPORT_VERSION)
    throw bad(
      `version ${JSON.stringify(version)} of the export format is not one this Kickstand reads (it reads version ${EXPORT_VERSION}): ` +
        'import it with the Kickstand that wrote it, or a newer one',
    );
  return withField(() => checkHeader(value), 'header', bad);
}

function recordOf(value: unknown, bad: (problem: string) => DataMoveError): ExportRecord | ExportEnd {
  const { type } = value as Record<string, unknown>;
  const known = [...RECORD_TYPES, 'end'].join(', ');
  if (type === undefined) throw bad(`type is required (one of ${known})`);
  const check = typeof type === 'string' && Object.hasOwn(checkLine, type) ? checkLine[type] : undefined;
  if (!check) throw bad(`type ${JSON.stringify(type)} is not a record of export version ${EXPORT_VERSION} (one of ${known})`);
  return withField(() => check(value), type as string, bad);
}

/** The schema's VALIDATION error ("host.boot_mac is required") on the line, with the record type. */
function withField<T>(check: () => T, what: string, bad: (problem: string) => DataMoveError): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof AppError) throw bad(`(${what}) ${err.message}`);
    throw err;
  }
}

/** What must be unique across the lines, each with the line it was first seen on. */
class SeenKeys {
  private readonly lines = new Map<string, number>();
  /** Per template: the last version seen. */
  private readonly versions = new Map<string, { version: number; line: number }>();

  check(record: ExportRecord, n: number, bad: (problem: string) => DataMoveError): void {
    /** `field` (its value `key`) must not be on two lines; `kind` keeps unlike keys apart. */
    const once = (kind: RecordType | 'token' | 'boot_mac', key: string, field: string) => {
      const first = this.lines.get(`${kind}\0${key}`);
      if (first !== undefined) throw bad(`${field} ${JSON.stringify(key)} is also on line ${first}`);
      this.lines.set(`${kind}\0${key}`, n);
    };
    switch (record.type) {
      case 'settings': {
        const first = this.lines.get('settings');
        if (first !== undefined) throw bad(`is a second settings record (the first is on line ${first})`);
        this.lines.set('settings', n);
        break;
      }
      case 'profile':
        once('profile', record.profile.name, 'profile.name');
        break;
      case 'rule':
        once('rule', record.rule.name, 'rule.name');
        break;
      case 'installer':
        once('installer', record.installer.name, 'installer.name');
        break;
      case 'webhook':
        once('webhook', record.webhook.name, 'webhook.name');
        break;
      case 'bmc_credentials':
        once('bmc_credentials', record.bmc_credentials.name, 'bmc_credentials.name');
        break;
      case 'tag_definition':
        once('tag_definition', record.tag_definition.name, 'tag_definition.name');
        break;
      case 'expected_host':
        once('expected_host', record.expected_host.id, 'expected_host.id');
        break;
      case 'user':
        once('user', record.user.name, 'user.name');
        record.user.tokens.forEach((t, i) => once('token', t.hash, `user.tokens[${i}].hash`));
        break;
      case 'host':
        once('host', record.host.id, 'host.id');
        // A boot MAC is the host's identity (and unique in PostgreSQL): two hosts with one cannot both be.
        once('boot_mac', record.host.boot_mac, 'host.boot_mac');
        break;
      case 'template_version': {
        const { name, version } = record.version;
        const before = this.versions.get(name);
        const expected = (before?.version ?? 0) + 1;
        if (version !== expected)
          throw bad(
            `version.version is ${version}, but ${before ? `the version of "${name}" before it (line ${before.line}) is ${before.version}` : `"${name}" has no version before it`}: a template's versions come in order from 1`,
          );
        this.versions.set(name, { version, line: n });
        break;
      }
      case 'audit':
        break;
    }
  }
}
