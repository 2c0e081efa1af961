// With PostgreSQL, an instance's templates folder is a mirror written from the database: every
// template's latest version, at start, after each save (here or on another instance) and after every
// reload. Why a mirror rather than a loader reading the database: the renderer keeps working exactly as
// with the file store — includes, raw_include, drafts, exists() and the editor's file list all read one
// folder (kickstart/render/environment.ts) — and renders stay synchronous, reading local files, with no
// second copy of every template in memory to keep true.
//
// Nothing but the mirror writes the folder, so a file whose text is no version of the history was
// changed by hand: it is replaced by the database's text with a warning naming it, and a file the
// database has no template for is set aside (renamed, never deleted) so every instance serves the same
// templates. Every write goes through one queue, in order: what a caller awaited is what renders next.
import { watch, type FSWatcher } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { TemplateHistoryRepository } from '../store/store.js';
import { Mutex } from '../util/mutex.js';
import { listTemplateFiles, readTemplateFile, writeTemplateFile } from './files.js';
import type { TemplateVersion } from './version.js';

/** What the mirror reads: one template's history, and every template's latest version. */
export interface MirroredHistory extends Pick<TemplateHistoryRepository, 'list'> {
  latest(): Promise<readonly Readonly<TemplateVersion>[]>;
}

/** Appended to a file set aside: no longer a template name (.njk/.sh), so nothing renders or lists it. */
export const SET_ASIDE_SUFFIX = '.not-in-database';

// Editors write a file in several steps: one pass over the folder once they are done.
const SETTLE_MS = 200;

export class TemplateMirror {
  private readonly queue = new Mutex();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly history: MirroredHistory,
    /** Forget compiled templates and cached renders (KickstartEnvironment.invalidate). */
    private readonly invalidate: () => void,
    private readonly log: Pick<Logger, 'warn' | 'error'>,
  ) {}

  /** The whole folder from the database: at start and after a reload. */
  syncAll(): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) return;
      const latest = await this.history.latest();
      let changed = false;
      for (const version of latest) if (await this.put(version.name, version.content)) changed = true;
      const names = new Set(latest.map((v) => v.name));
      for (const name of await listTemplateFiles(this.root)) {
        if (names.has(name)) continue;
        await rename(path.join(this.root, name), path.join(this.root, name + SET_ASIDE_SUFFIX));
        this.log.warn(
          { template: name },
          `templates folder: ${name} is not a template in the database; set aside as ${name}${SET_ASIDE_SUFFIX} (create it in the editor to serve it)`,
        );
        changed = true;
      }
      if (changed) this.invalidate();
    });
  }

  /** One template from the database: after another instance saved it. */
  refresh(name: string): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) return;
      const history = await this.history.list(name);
      const latest = history.at(-1);
      if (latest && (await this.put(name, latest.content, history))) this.invalidate();
    });
  }

  /** A version this instance just appended. */
  write(name: string, content: string): Promise<void> {
    return this.queue.run(async () => {
      if (await this.put(name, content)) this.invalidate();
    });
  }

  /** A change by hand in the folder is answered at once, not at the next start. */
  watch(): void {
    try {
      this.watcher = watch(this.root, { recursive: true, persistent: false }, () => {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          this.syncAll().catch((err: unknown) => this.log.error({ err }, 'could not bring the templates folder in line with the database'));
        }, SETTLE_MS);
        this.timer.unref();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // A folder that cannot be watched is still written at every save and reload.
    }
  }

  /** Stop watching; resolves once the write in progress is done. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    await this.queue.run(() => undefined);
  }

  /** Write `content` unless the file holds it already; whether it wrote. */
  private async put(name: string, content: string, history?: readonly Readonly<TemplateVersion>[]): Promise<boolean> {
    const onDisk = await readTemplateFile(this.root, name);
    if (onDisk === content) return false;
    if (onDisk !== undefined && !(history ?? (await this.history.list(name))).some((v) => v.content === onDisk))
      this.log.warn(
        { template: name },
        `templates folder: ${name} was changed outside Kickstand; replaced by the database's text (save changes through Kickstand)`,
      );
    await writeTemplateFile(this.root, name, content);
    return true;
  }
}
