// The first start on a database: the templates folder is imported into the history, so what the
// instances serve from then on starts from the files an operator prepared — on an empty database,
// every file is version 1. Held under the templates lock, which spans every instance: two instances
// starting together import once, the second finding the import done. Later starts never import the
// folder again: the database is the truth, and the mirror (mirror.ts) writes it over the folder.
//
// "Done" is a mark the database keeps, not "the history is not empty": a database given the histories
// of a file store that ran before (only templates saved through Kickstand have one) still gets the
// files that were never saved, and those changed on disk since, as their next version — without them
// the mirror would set them aside and the stub would be gone.
import type { Logger } from '../log.js';
import type { Lock } from '../util/mutex.js';
import { sha256 } from './edit.js';
import { listTemplateFiles, readTemplateFile } from './files.js';
import type { TemplateVersion } from './version.js';

/** What seeding reads and writes (store/postgres/pg-audit.ts). */
export interface SeededHistory {
  /** Every template's latest version. */
  latest(): Promise<readonly Readonly<TemplateVersion>[]>;
  /** Whether the folder was imported into this database. */
  seeded(): Promise<boolean>;
  /** These versions and the mark that the folder was imported, in one transaction. */
  seed(versions: readonly TemplateVersion[]): Promise<void>;
}

/** Import the folder unless it was; how many versions that recorded. */
export async function seedTemplates(root: string, history: SeededHistory, lock: Lock, log: Pick<Logger, 'info'>): Promise<number> {
  return lock.run(async () => {
    if (await history.seeded()) return 0;
    const files = await listTemplateFiles(root);
    // An empty (or mistyped) folder does not count as the import: the next start with templates does it.
    if (!files.length) return 0;
    const latest = new Map((await history.latest()).map((v) => [v.name, v]));
    const at = new Date().toISOString();
    const versions: TemplateVersion[] = [];
    for (const name of files) {
      const content = await readTemplateFile(root, name);
      const before = latest.get(name);
      if (content === undefined || content === before?.content) continue;
      versions.push({
        name,
        version: (before?.version ?? 0) + 1,
        content,
        sha256: sha256(content),
        author: 'disk',
        at,
        action: 'import',
        message: 'as found on disk at first start',
      });
    }
    await history.seed(versions);
    log.info(
      { templates: versions.length, folder: root },
      'first start on this database: the templates folder is imported into the history',
    );
    return versions.length;
  });
}
