// Where the text in service of a template comes from, and how a save puts new text in service. Two
// sources: the templates folder (the file store: the files are the truth, the history records them)
// and the database (PostgreSQL: the latest version is the truth and the folder is this instance's
// mirror of it, database.ts). The use cases (edit.ts, preview.ts) read and save through this one
// interface and never ask which.
import type { TemplateHistoryRepository } from '../store/store.js';
import { readTemplateFile, writeTemplateFile } from './files.js';
import type { TemplateVersion } from './version.js';

export interface TemplateSource {
  /** The text in service, or undefined when there is no template of this name. */
  current(name: string): Promise<string | undefined>;
  /** Put `next` in service and append it to the history, or neither. Called under the templates lock,
   *  after every check; `previous` is the text in service it replaces. */
  save(next: TemplateVersion, previous: string | undefined): Promise<void>;
}

/** The file store's: the file in the templates folder is what renders. */
export function fileTemplateSource(root: string, history: Pick<TemplateHistoryRepository, 'append'>): TemplateSource {
  return {
    current: (name) => readTemplateFile(root, name),
    async save(next, previous) {
      await writeTemplateFile(root, next.name, next.content);
      try {
        await history.append(next);
      } catch (err) {
        // No history, no change: put the running version back rather than serve an unrecorded one.
        if (previous !== undefined) await writeTemplateFile(root, next.name, previous).catch(() => undefined);
        throw err;
      }
    },
  };
}
