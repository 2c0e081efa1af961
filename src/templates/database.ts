// Templates with PostgreSQL: the database is the truth for their text, so an edit saved on one instance
// is what every instance serves next (docs/templates.md, "With PostgreSQL"). The text in service is the
// latest version in the history; a save appends a version, then writes this instance's mirror of the
// folder (mirror.ts); the other instances hear of it in commit order and write theirs before they
// handle any later change — a host assigned after a save is never rendered from the text before it.
import { AppError, messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import type { TemplateHistoryRepository } from '../store/store.js';
import type { Lock } from '../util/mutex.js';
import { TemplateMirror, type MirroredHistory } from './mirror.js';
import { seedTemplates, type SeededHistory } from './seed.js';
import type { TemplateSource } from './source.js';
import type { TemplateVersion } from './version.js';

/** What the templates take of the PostgreSQL store (store/postgres/pg-store.ts). */
export interface TemplateDatabase {
  readonly templates: Pick<TemplateHistoryRepository, 'list' | 'append'> & MirroredHistory & SeededHistory;
  /** Other instances' changes, in commit order: `template` (key: its name) after a version was
   *  appended, `reload` after everything was read again. */
  onChange(listener: (notice: { kind: string; key: string }) => void | Promise<void>): void;
}

export class DatabaseTemplateSource implements TemplateSource {
  constructor(
    private readonly history: Pick<TemplateHistoryRepository, 'list' | 'append'>,
    /** Absent in a one-shot command: it renders nothing and leaves the service's folder alone. */
    private readonly mirror?: TemplateMirror,
  ) {}

  async current(name: string): Promise<string | undefined> {
    return (await this.history.list(name)).at(-1)?.content;
  }

  async save(next: TemplateVersion): Promise<void> {
    // The database first: a version it refused was never in service anywhere.
    await this.history.append(next);
    try {
      await this.mirror?.write(next.name, next.content);
    } catch (err) {
      throw new AppError(
        'STORAGE_UNAVAILABLE',
        `version ${next.version} of "${next.name}" is saved and every other instance serves it, but this one cannot write it in its templates folder: ${messageOf(err)}`,
      );
    }
  }
}

export interface DatabaseTemplates {
  source: TemplateSource;
  close(): Promise<void>;
}

/** The service's start: seed an empty database from the folder, write the folder from the database,
 *  and keep it so (other instances' saves, reloads, edits by hand). Resolves once the folder is the
 *  database's: the service may render. */
export async function openDatabaseTemplates(
  db: TemplateDatabase,
  root: string,
  lock: Lock,
  log: Pick<Logger, 'info' | 'warn' | 'error'>,
  invalidate: () => void,
): Promise<DatabaseTemplates> {
  const mirror = new TemplateMirror(root, db.templates, invalidate, log);
  // Before seeding: a version another instance appends meanwhile is written as soon as it is heard.
  db.onChange(async (notice) => {
    if (notice.kind === 'template') await mirror.refresh(notice.key);
    // A failed reload is not left to the store (it would reconnect again): it is tried until it works.
    else if (notice.kind === 'reload') await syncUntilDone(mirror, log);
  });
  await seedTemplates(root, db.templates, lock, log);
  await mirror.syncAll();
  mirror.watch();
  return { source: new DatabaseTemplateSource(db.templates, mirror), close: () => mirror.close() };
}

async function syncUntilDone(mirror: TemplateMirror, log: Pick<Logger, 'error'>): Promise<void> {
  try {
    await mirror.syncAll();
  } catch (err) {
    log.error({ err }, 'could not write the templates folder from the database; trying again in a second');
    setTimeout(() => void syncUntilDone(mirror, log), 1000).unref();
  }
}
