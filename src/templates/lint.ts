// Lint findings for a template preview: what would stop or surprise Anaconda, each with its line.
// Three sources: the template does not render (syntax, an undefined variable — line in the template),
// the rendered kickstart breaks pykickstart's rules (unknown command, unclosed section, %pre in an
// included file — line in the rendered text), or a shell library does not parse (`bash -n`).
import { spawnSync } from 'node:child_process';
import type { Facts } from '../discovery/facts.js';
import { declaredVersion, kickstartVersion, validateKickstart, type KickstartVersion } from '../kickstart/validate/index.js';

export interface LintFinding {
  /** Which text the line number is in. */
  in: 'template' | 'rendered';
  line: number;
  column?: number;
  severity: 'error' | 'warning';
  code: string;
  message: string;
}

const RHEL_LIKE = new Set(['rhel', 'centos', 'almalinux', 'rocky', 'ol', 'circle', 'eurolinux']);
export const DEFAULT_KICKSTART_VERSION: KickstartVersion = 'RHEL9';

/** The pykickstart syntax the installer that sent these facts speaks: the kickstart's own
 *  `#version=` line first, then the installer's os-release, then RHEL 9. */
export function versionFor(rendered: string, facts?: Facts): KickstartVersion {
  const declared = declaredVersion(rendered);
  if (declared) return declared;
  const id = facts?.installer?.id?.toLowerCase();
  const major = Number.parseInt(facts?.installer?.version_id ?? '', 10);
  const fromInstaller =
    id === 'fedora' ? kickstartVersion('fedora', major) : id && RHEL_LIKE.has(id) ? kickstartVersion('rhel', major) : undefined;
  return fromInstaller ?? DEFAULT_KICKSTART_VERSION;
}

/** Findings for a rendered kickstart. `included`: it arrives through the stub's %include (every
 *  final kickstart and snippet), so its %pre would never run. */
export function lintKickstart(rendered: string, version: KickstartVersion, included: boolean): LintFinding[] {
  return validateKickstart(rendered, { version, included }).map((f) => ({
    in: 'rendered',
    line: f.line,
    severity: f.severity,
    code: f.code,
    message: f.message,
  }));
}

/** `bash -n` (parse, never run) on a shell library; no findings when bash is not installed. */
export function lintShell(source: string): LintFinding[] {
  const result = spawnSync('bash', ['-n'], { input: source, encoding: 'utf-8', timeout: 5000 });
  if (result.error || result.status === 0) return [];
  return result.stderr
    .split('\n')
    .map((l) => /^bash: line (\d+): (.*)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ in: 'template', line: Number(m[1]), severity: 'error', code: 'SHELL_SYNTAX', message: m[2]! }));
}
