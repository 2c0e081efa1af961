// Preview: render a template — the saved text or an unsaved edit — against a discovered host or a
// sample, and lint the result. Nothing is stored; the running template is untouched.
import { audit, type AuditDeps } from '../audit/audit.js';
import type { CallerWith } from '../caller.js';
import type { Deps } from '../deps.js';
import type { Facts } from '../discovery/facts.js';
import { AppError, errors } from '../errors.js';
import type { Host } from '../hosts/host.js';
import { renderPreview, STUB_TEMPLATE, type RenderErrorDetail } from '../kickstart/render/index.js';
import type { KickstartVersion } from '../kickstart/validate/index.js';
import { findHost } from '../hosts/pick.js';
import { wouldBeHostname } from '../rules/plan.js';
import { HOSTNAME } from '../schemas/assignment.js';
import { maskParams } from '../secrets/secret-params.js';
import { checkTemplateName } from './files.js';
import { lintKickstart, lintShell, versionFor, type LintFinding } from './lint.js';
import { listSamples } from './samples.js';

export interface PreviewRequest {
  name: string;
  /** Unsaved text; the text in service when absent. */
  content?: string;
  /** Render for this host (its id, hostname or boot MAC)… */
  host?: string;
  /** The hostname to render with, over the host's (a waiting host has none yet: it gets the one
   *  assignment would give it now, rules/plan.ts wouldBeHostname). */
  hostname?: string;
  /** Open sealed params (the caller may see a host's kickstart: hosts:write). Otherwise secrets
   *  render as "***": an author sees the template's shape, never a host's secrets. */
  openSecrets?: boolean;
  /** …or for this sample (`<templates>/samples/<name>.json`); the first sample when neither is given. */
  sample?: string;
  /** Params under the typed ones: a profile's. */
  profile?: string;
  params?: Record<string, unknown>;
}

export interface Preview {
  name: string;
  /** What it was rendered for: "host <id>" or "sample <name>". */
  target: string;
  version?: KickstartVersion;
  rendered?: string;
  findings: LintFinding[];
}

type PreviewDeps = Pick<Deps, 'config' | 'store' | 'kickstarts' | 'secrets' | 'templateSource'>;

/** Every preview is in the audit with who asked, whatever its outcome: a preview runs the author's
 *  text on the server, so it is where someone probing the template sandbox shows up (issue 13). */
export async function previewTemplate(
  deps: PreviewDeps & AuditDeps,
  request: PreviewRequest,
  { actor, baseUrl }: CallerWith<'baseUrl'>,
): Promise<Preview> {
  let outcome = 'failed';
  try {
    const preview = await render(deps, request, baseUrl);
    const error = preview.findings.find((f) => f.code === 'TEMPLATE_RENDER');
    outcome = error ? `not rendered: ${error.message}` : `for ${preview.target}`;
    return preview;
  } catch (err) {
    if (err instanceof AppError) outcome = `refused: ${err.code}`;
    throw err;
  } finally {
    await audit(
      deps,
      actor,
      'template.preview',
      request.name.slice(0, 200),
      `${request.content === undefined ? 'saved' : 'unsaved'} text ${outcome}`.slice(0, 500),
    );
  }
}

async function render(deps: PreviewDeps, request: PreviewRequest, baseUrl: string): Promise<Preview> {
  const name = checkTemplateName(request.name);
  const content = request.content ?? (await deps.templateSource.current(name));
  if (content === undefined) throw errors.templateFileMissing(name);
  const { host, facts, target } = await subject(deps, request);
  // Stored params are opened like a poll's render opens them (passwords stay hashes) for those who
  // may read a host's kickstart anyway; anyone else (an author) gets them masked.
  const stored = { ...(await profileParams(deps, request.profile)), ...hostParams(host, name) };
  const params = {
    ...(request.openSecrets ? deps.secrets.open(stored) : maskParams(stored)),
    ...(request.params ?? {}),
  };

  if (name.endsWith('.sh')) return { name, target, rendered: content, findings: lintShell(content) };

  const result = renderPreview(deps, name, content, host, facts, params, baseUrl);
  if ('error' in result) return { name, target, findings: [renderFinding(name, result.error)] };
  const rendered = result.text;
  const version = versionFor(rendered, facts);
  // The stub is the one kickstart Anaconda reads directly; everything else arrives through its %include.
  return { name, target, version, rendered, findings: lintKickstart(rendered, version, name !== STUB_TEMPLATE) };
}

const HOSTNAME_RE = new RegExp(HOSTNAME);

interface Subject {
  host: Pick<Host, 'id' | 'hostname' | 'boot_mac' | 'state' | 'assignment'>;
  facts: Facts;
  target: string;
}

async function subject(deps: Pick<Deps, 'config' | 'store'>, request: PreviewRequest): Promise<Subject> {
  const hostname = request.hostname?.trim() || undefined;
  if (hostname !== undefined && !HOSTNAME_RE.test(hostname))
    throw new AppError('VALIDATION', `hostname "${hostname.slice(0, 80)}" is not a valid hostname`, 'hostname');
  if (request.host?.trim()) {
    const found = await findHost(deps, request.host);
    const facts = found && (await deps.store.hosts.getFacts(found.id));
    if (!found || !facts) throw errors.hostNotFound(request.host.trim().slice(0, 64), 'host');
    const host = { ...found, hostname: hostname ?? found.hostname ?? (await wouldBeHostname(deps, found, facts)) };
    const label = host.hostname === found.hostname ? host.hostname : `${found.hostname ?? found.id}, as ${host.hostname}`;
    return { host, facts, target: `host ${label}` };
  }
  const samples = await listSamples(deps.config.templatesDir);
  const sample = request.sample ? samples.find((s) => s.name === request.sample) : samples.find((s) => s.facts);
  if (!sample)
    throw new AppError(
      'VALIDATION',
      request.sample
        ? `no sample "${request.sample}" in the templates folder's samples/`
        : 'no host chosen and no sample facts in samples/',
      'sample',
    );
  if (!sample.facts) throw new AppError('VALIDATION', sample.problem ?? `sample ${sample.name} is not valid facts`, 'sample');
  const host = {
    id: `sample-${sample.name}`,
    hostname: hostname ?? `${sample.name}.example.com`,
    boot_mac: sample.facts.boot_mac,
    state: 'assigned' as const,
  };
  return { host, facts: sample.facts, target: `sample ${sample.name}` };
}

async function profileParams(deps: Pick<Deps, 'store'>, name: string | undefined): Promise<Record<string, unknown>> {
  if (!name) return {};
  const profile = await deps.store.profiles.get(name);
  if (!profile) throw errors.profileNotFound(name, 'profile');
  return profile.action === 'kickstart' ? profile.params : {};
}

/** A host already assigned this template previews with the params it will really get. */
function hostParams(host: Subject['host'], name: string): Record<string, unknown> {
  return host.assignment?.action === 'kickstart' && host.assignment.template === name ? host.assignment.params : {};
}

/** At its line when the fault is in the text being edited; else in the snippet, with the include here. */
function renderFinding(name: string, detail: RenderErrorDetail): LintFinding {
  const elsewhere = detail.template && detail.template !== name;
  const here = elsewhere ? detail.included_from?.find((p) => p.template === name) : undefined;
  return {
    in: 'template',
    line: elsewhere ? (here?.line ?? 0) : (detail.line ?? 0),
    ...(detail.column && !elsewhere ? { column: detail.column } : {}),
    severity: 'error',
    code: 'TEMPLATE_RENDER',
    message: elsewhere ? `in ${detail.template}${detail.line ? ` line ${detail.line}` : ''}: ${detail.message}` : detail.message,
  };
}
