// `kickstand data check [DIR]`: verify a data dir offline (store/file/check.ts). Exit 1 when a file would
// stop a start or hides a damaged record; each line names the file and, for damage, the line and byte
// offset. DIR defaults to $KICKSTAND_DATA, else ./data.
// `kickstand data export|import`: move a whole installation between stores (data-move.ts).
import { parseArgs } from 'node:util';
import { checkDataDir } from '../store/file/check.js';
import { RECOVERY_DOC } from '../store/file/last-good.js';
import { messageOf, UsageError } from '../errors.js';
import type { DataIo } from './data-move.js';

export const DATA_USAGE = `usage:
  kickstand data check [DIR]               (DIR defaults to $KICKSTAND_DATA, else ./data)
  kickstand data export [FILE]             (to stdout without FILE or with "-"; beside a running service too)
  kickstand data import FILE [--dry-run]   (into an empty store, the service stopped; --dry-run writes nothing)
export reads, and import writes, the store the service would use: PostgreSQL when KICKSTAND_DATABASE_URL
is set, else the data dir (KICKSTAND_DATA). Secret params travel sealed: the target's data dir needs the
source's secret.key (docs/operations.md, "Moving an installation: export and import").`;

export async function dataCommand(
  argv: string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  io: Partial<DataIo> = {},
): Promise<boolean> {
  const [action, ...rest] = argv;
  switch (action) {
    case 'check':
      return check(rest, out);
    case 'export': {
      const { positionals, values } = args(rest);
      const [file, ...extra] = positionals;
      if (extra.length) throw new UsageError('one FILE at most', DATA_USAGE);
      if (values['dry-run']) throw new UsageError('--dry-run is for data import', DATA_USAGE);
      const { exportData } = await import('./data-move.js');
      await exportData(file === '-' ? undefined : file, fullIo(out, io));
      return true;
    }
    case 'import': {
      const { positionals, values } = args(rest);
      if (positionals.length !== 1) throw new UsageError('data import needs one FILE', DATA_USAGE);
      // Read twice — every line checked before anything is written — which a pipe cannot be.
      if (positionals[0] === '-') throw new UsageError('data import reads FILE twice: give a file, not stdin', DATA_USAGE);
      const { importData } = await import('./data-move.js');
      await importData(positionals[0]!, values['dry-run'] === true, fullIo(out, io));
      return true;
    }
    default:
      throw new UsageError(`unknown data command "${action ?? ''}"`, DATA_USAGE);
  }
}

async function check(argv: string[], out: (line: string) => void): Promise<boolean> {
  const [dir, ...extra] = argv;
  if (extra.length) throw new UsageError('one data dir at most', DATA_USAGE);
  const lines = await checkDataDir(dir ?? (process.env.KICKSTAND_DATA || './data'));
  for (const l of lines) out(`${l.ok ? 'ok ' : 'BAD'} ${l.file}: ${l.message}`);
  const ok = lines.every((l) => l.ok);
  if (!ok) {
    out(`to recover, see ${RECOVERY_DOC}`);
    process.exitCode = 1;
  }
  return ok;
}

function args(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options: { 'dry-run': { type: 'boolean' } } });
  } catch (err) {
    throw new UsageError(messageOf(err), DATA_USAGE);
  }
}

function fullIo(out: (line: string) => void, io: Partial<DataIo>): DataIo {
  return {
    out,
    err: io.err ?? ((l) => process.stderr.write(`${l}\n`)),
    stdout: io.stdout ?? process.stdout,
    env: io.env ?? process.env,
  };
}
