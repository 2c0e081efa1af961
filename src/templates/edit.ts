// Authors change templates here. A save is checked before anything is written: the name is a path
// authors may use, the text compiles (a broken template is refused with its line, and the running
// version stays in service), and nobody else saved since the author opened the editor. Then the new
// text is put in service and appended to the history, with who, when and what changed — by the
// template source (source.ts): the file, or with PostgreSQL the database and this instance's mirror.
// A rollback is a save of an old version's text: history only ever grows.
import { createHash } from 'node:crypto';
import type { Deps } from '../deps.js';
import { AppError, errors } from '../errors.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import { diffStat } from './diff.js';
import { checkTemplateName } from './files.js';
import { MAX_TEMPLATE_BYTES, type TemplateVersion } from './version.js';

export interface SaveRequest {
  name: string;
  content: string;
  /** sha256 of the text the author's editor was opened on ("" for a new file): a save over text that
   *  changed since (another author, a git pull on the server) is refused instead of silently lost. */
  base_sha256?: string;
  message?: string;
}

export interface SaveResult {
  version: TemplateVersion;
  /** False when the text was already what is running (nothing new was recorded). */
  changed: boolean;
}

/** What a template save takes: the compile check, the templates lock, the text in service, the history. */
export type TemplateEditDeps = AuditDeps & Pick<Deps, 'kickstarts' | 'templatesLock' | 'templateSource'>;

/** Check and save; returns the version now in service. */
export async function saveTemplate(
  deps: TemplateEditDeps,
  request: SaveRequest,
  actor: string,
  how: { action?: 'rollback'; restored?: number } = {},
): Promise<SaveResult> {
  const name = checkTemplateName(request.name);
  const content = request.content.replace(/\r\n/g, '\n');
  if (Buffer.byteLength(content) > MAX_TEMPLATE_BYTES) {
    throw new AppError('VALIDATION', `a template may hold at most ${MAX_TEMPLATE_BYTES / 1024} KiB`, 'content');
  }
  const problem = name.endsWith('.njk') ? deps.kickstarts.check(name, content) : undefined;
  if (problem) {
    const at = problem.line ? ` line ${problem.line}${problem.column ? `, column ${problem.column}` : ''}` : '';
    throw new AppError(
      'TEMPLATE_SYNTAX',
      `${name}${at}: ${problem.message}; not saved, the running version stays in service`,
      'content',
      problem,
    );
  }

  return deps.templatesLock.run(async () => {
    const history = await deps.store.templates.list(name);
    const inService = await deps.templateSource.current(name);
    let latest = history.at(-1);
    if (request.base_sha256 !== undefined && request.base_sha256 !== (inService === undefined ? '' : sha256(inService))) {
      const who =
        latest && latest.content === inService ? `by ${latest.author} at ${latest.at} (version ${latest.version})` : 'outside Kickstand';
      throw new AppError(
        'TEMPLATE_CHANGED',
        `${name} was changed ${who} after you opened it; reload it and apply your change again`,
        'base_sha256',
      );
    }
    // A file changed outside Kickstand (a git pull, an editor on the server) is recorded as it was
    // found before it is replaced, so a rollback can always get back to it. (With PostgreSQL the text
    // in service is the latest version, so this never happens: the mirror answers edits on disk.)
    if (inService !== undefined && inService !== latest?.content) {
      latest = version(name, (latest?.version ?? 0) + 1, inService, 'disk', 'import', {
        message: latest ? 'changed on disk outside Kickstand' : 'as found on disk',
      });
      await deps.store.templates.append(latest);
    }
    if (latest && latest.content === content && inService !== undefined) return { version: latest, changed: false };

    const next = version(name, (latest?.version ?? 0) + 1, content, actor, how.action ?? (inService === undefined ? 'create' : 'save'), {
      ...(request.message?.trim() ? { message: request.message.trim().slice(0, 500) } : {}),
      ...(how.restored ? { restored: how.restored } : {}),
    });
    await deps.templateSource.save(next, inService);
    deps.kickstarts.invalidate();
    const stat = diffStat(latest?.content ?? '', content);
    await audit(
      deps,
      actor,
      next.action === 'rollback' ? 'template.rollback' : 'template.save',
      name,
      `version ${next.version}${next.restored ? ` (restores ${next.restored})` : ''}, +${stat.added} −${stat.removed} lines`,
    );
    return { version: next, changed: true };
  });
}

/** Put an earlier version's text back in service, as a new version. */
export async function rollbackTemplate(
  deps: TemplateEditDeps,
  name: string,
  target: number,
  actor: string,
  base_sha256?: string,
): Promise<SaveResult> {
  const old = (await deps.store.templates.list(checkTemplateName(name))).find((v) => v.version === target);
  if (!old) throw errors.templateVersionNotFound(name, target);
  return saveTemplate(deps, { name, content: old.content, ...(base_sha256 !== undefined ? { base_sha256 } : {}) }, actor, {
    action: 'rollback',
    restored: target,
  });
}

export interface TemplateView {
  name: string;
  /** The text in service, or undefined for a name with no template yet. */
  content?: string;
  versions: readonly Readonly<TemplateVersion>[];
  /** The version the running text is, when it is one recorded here (not when its file changed on disk). */
  current?: number;
  /** sha256 of the running text ("" when there is none): what a save sends back as base_sha256. */
  sha256: string;
}

export async function readTemplate(deps: Pick<Deps, 'store' | 'templateSource'>, name: string): Promise<TemplateView> {
  checkTemplateName(name);
  const [content, versions] = await Promise.all([deps.templateSource.current(name), deps.store.templates.list(name)]);
  const latest = versions.at(-1);
  return {
    name,
    ...(content !== undefined ? { content } : {}),
    versions,
    ...(latest && latest.content === content ? { current: latest.version } : {}),
    sha256: content === undefined ? '' : sha256(content),
  };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function version(
  name: string,
  n: number,
  content: string,
  author: string,
  action: TemplateVersion['action'],
  extra: Partial<TemplateVersion>,
): TemplateVersion {
  return { name, version: n, content, sha256: sha256(content), author, at: new Date().toISOString(), action, ...extra };
}
