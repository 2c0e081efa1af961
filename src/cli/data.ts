// `kickstand data check [DIR]`: verify a data dir offline (store/file/check.ts). Exit 1 when a file would
// stop a start or hides a damaged record; each line names the file and, for damage, the line and byte
// offset. DIR defaults to $KICKSTAND_DATA, else ./data.
import { checkDataDir } from '../store/file/check.js';
import { RECOVERY_DOC } from '../store/file/last-good.js';
import { UsageError } from '../errors.js';

export const DATA_USAGE = 'usage: kickstand data check [DIR]   (DIR defaults to $KICKSTAND_DATA, else ./data)';

export async function dataCommand(argv: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<boolean> {
  const [action, dir, ...extra] = argv;
  if (action !== 'check' || extra.length)
    throw new UsageError(action === 'check' ? 'one data dir at most' : `unknown data command "${action ?? ''}"`, DATA_USAGE);
  const lines = await checkDataDir(dir ?? (process.env.KICKSTAND_DATA || './data'));
  for (const l of lines) out(`${l.ok ? 'ok ' : 'BAD'} ${l.file}: ${l.message}`);
  const ok = lines.every((l) => l.ok);
  if (!ok) {
    out(`to recover, see ${RECOVERY_DOC}`);
    process.exitCode = 1;
  }
  return ok;
}
