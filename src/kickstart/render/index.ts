// How a kickstart is made. Every text Kickstand renders from a template is rendered here, and the rest
// of the service imports this file only.
//
// 1. The stub (StubRenderer, stub.ts). GET /ks: every machine's first fetch, stub.ks.njk with only
//    `kickstand.url`. It never fails — the last good render, else an emergency stub — because dracut
//    treats anything but a 200 as fatal (anaconda.md §1).
// 2. The kickstart (renderKickstart). An assigned host's template rendered against its stored facts
//    and its params, sealed secrets opened (context.ts is what the template sees). The same render is
//    the dry run at assignment (a template error reaches the admin, not the machine) and the host's
//    "what would its poll get" view.
// 3. The poll answer (cachedAnswer, renderAnswer, keepAnswer). The kickstart of step 2 as bytes, kept
//    in cache.ts while nothing it depends on changed (the host record, the templates, the base URL):
//    a repeated poll costs one string and one map lookup.
// 4. The preview (renderPreview). An author's saved or unsaved text rendered for a host or a sample;
//    a fault in the text is a result (file, line, column), nothing is cached or stored.
// 5. Append lines (checkAppend, renderAppend) and hostname patterns (OperatorTemplate, used by
//    rules/hostname-pattern.ts). Operator-written, allow-listed nunjucks (operator-template.ts).
//
// Underneath: environment.ts (the nunjucks environment: one templates folder, autoescape off,
// throwOnUndefined, compiled templates dropped when the folder changes, errors with file and line),
// sandbox.ts + sandbox-check.ts (what a template can reach: guarded at render, names refused at parse;
// docs/templates.md#what-a-template-can-reach), filters.ts (shellquote, ksarg, pwhash, install_disk).
import type { Deps } from '../../deps.js';
import type { Facts } from '../../discovery/facts.js';
import { AppError, errors, messageOf } from '../../errors.js';
import type { Host } from '../../hosts/host.js';
import { kickstartContext } from './context.js';
import type { RenderErrorDetail } from './environment.js';
import { OperatorTemplate, patternHost } from './operator-template.js';
import type { AnswerKey } from './cache.js';

export { createKickstartEnvironment, type KickstartEnvironment, type RenderErrorDetail } from './environment.js';
export { RenderCache } from './cache.js';
export { StubRenderer, STUB_TEMPLATE } from './stub.js';
export { OperatorTemplate, PatternError, patternHost, type PatternContext, type PatternHelpers } from './operator-template.js';
export { isCryptHash } from '../sha512-crypt.js';

type HostFields = Pick<Host, 'id' | 'hostname' | 'boot_mac' | 'state'>;
interface KickstartAssignment {
  template: string;
  params: Record<string, unknown>;
}

/** The assigned template rendered for this host now, its stored params opened (passwords stay
 *  hashes). Throws AppError TEMPLATE_RENDER with the template, line and column. */
export function renderKickstart(
  deps: Pick<Deps, 'kickstarts' | 'secrets'>,
  host: HostFields,
  facts: Facts,
  assignment: KickstartAssignment,
  baseUrl: string,
): string {
  return deps.kickstarts.render(assignment.template, kickstartContext(host, facts, deps.secrets.open(assignment.params), baseUrl));
}

type AnswerDeps = Pick<Deps, 'kickstarts' | 'secrets' | 'store' | 'renderCache'>;

/** The bytes an earlier poll rendered for this host, while nothing they depend on changed. The hot
 *  path of every repeated poll: synchronous, one string and one map lookup. */
export function cachedAnswer(deps: AnswerDeps, host: Host, baseUrl: string): Buffer | undefined {
  return deps.renderCache.get(host.id, answerKey(deps, host, baseUrl));
}

/** Why the last render for this host failed, while nothing it depends on changed: a poll that finds
 *  one waits without rendering, logging or recording it again. */
export function cachedFailure(deps: AnswerDeps, host: Host, baseUrl: string): string | undefined {
  return deps.renderCache.failure(host.id, answerKey(deps, host, baseUrl));
}

/** Render the host's kickstart for its poll from the stored facts and keep the bytes. A template that
 *  no longer renders is `{ failed }`, kept too (cachedFailure) so it is reported once; the poll
 *  decides what the machine does. Facts that cannot be read throw STORAGE_UNAVAILABLE. */
export async function renderAnswer(
  deps: AnswerDeps,
  host: Host,
  assignment: KickstartAssignment,
  baseUrl: string,
): Promise<{ body: Buffer } | { failed: string }> {
  const facts = await deps.store.hosts.getFacts(host.id);
  if (!facts) throw errors.factsUnreadable();
  let body: Buffer;
  try {
    body = Buffer.from(renderKickstart(deps, host, facts, assignment, baseUrl));
  } catch (err) {
    const failed = messageOf(err);
    deps.renderCache.setFailure(host.id, answerKey(deps, host, baseUrl), failed);
    return { failed };
  }
  deps.renderCache.set(host.id, answerKey(deps, host, baseUrl), body);
  return { body };
}

/** Keep `body` as the answer for `host` (its next version, after delivery): delivery changes nothing
 *  the kickstart depends on, only the record's version, so one render per host serves the repeats. */
export function keepAnswer(deps: AnswerDeps, host: Host, baseUrl: string, body: Buffer): void {
  deps.renderCache.set(host.id, answerKey(deps, host, baseUrl), body);
}

/** A render is reused while nothing it depends on changed: the host record (every change bumps
 *  updated_at), the templates (their generation) and the base URL. */
function answerKey(deps: AnswerDeps, host: Host, url: string): AnswerKey {
  return { version: host.updated_at, generation: deps.kickstarts.generation(), url };
}

/** `source` rendered as if the file `name` held it (includes still read the folder), for a host or a
 *  sample; nothing is cached. Checked first: syntax, and names the sandbox refuses. A fault in the
 *  text is `{ error }` with the template, line and column; `params` are used as given. */
export function renderPreview(
  deps: Pick<Deps, 'kickstarts'>,
  name: string,
  source: string,
  host: HostFields,
  facts: Facts,
  params: Record<string, unknown>,
  baseUrl: string,
): { text: string } | { error: RenderErrorDetail } {
  const syntax = deps.kickstarts.check(name, source);
  if (syntax) return { error: syntax };
  try {
    return { text: deps.kickstarts.renderDraft(name, source, kickstartContext(host, facts, params, baseUrl)) };
  } catch (err) {
    if (err instanceof AppError && err.code === 'TEMPLATE_RENDER') return { error: err.detail as RenderErrorDetail };
    throw err;
  }
}

const APPEND_MAX = 4096;

/** Whether a kexec profile's append line may be saved; throws INVALID_PATTERN naming what is refused. */
export function checkAppend(append: string): void {
  try {
    OperatorTemplate.compile(append, APPEND_MAX);
  } catch (err) {
    throw new AppError('INVALID_PATTERN', `append line ${messageOf(err)}`, 'append');
  }
}

/** A kexec profile's append line for this host (its `seq()` is empty). Throws INVALID_PATTERN when it
 *  does not render or renders a control character (the %pre reads the answer line by line). */
export function renderAppend(
  profile: { name: string; append: string },
  host: Pick<Host, 'id' | 'boot_mac' | 'hostname' | 'serial'>,
  facts: Facts,
  params: Record<string, unknown>,
): string {
  let append: string;
  try {
    append = OperatorTemplate.compile(profile.append, APPEND_MAX).render(
      {
        host: patternHost(host),
        facts,
        params,
      },
      { seq: () => '' },
    );
  } catch (err) {
    throw new AppError('INVALID_PATTERN', `profile "${profile.name}" append line ${messageOf(err)}`, 'append');
  }
  if (/[\x00-\x1f\x7f]/.test(append))
    throw new AppError('INVALID_PATTERN', `profile "${profile.name}" append line renders a control character`, 'append');
  return append;
}
