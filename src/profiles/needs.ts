// What a kickstart profile's template needs that its params lack, said when the profile is saved
// (issue 17: a profile saved without params.repo said nothing, and every host it was given to waited
// with a render error). The template is rendered against a sample machine (the first valid file in
// <templates>/samples/, as the template preview uses) with the profile's params; each missing
// `params.…` the render stops at is noted, filled with a placeholder, and the render tried again, so
// every missing param is listed, not only the first. Warnings, not refusals: a param may be meant to
// come from each assignment, and a template may be saved before the params it will use.
import type { Deps } from '../deps.js';
import { AppError, messageOf } from '../errors.js';
import { kickstartContext } from '../kickstart/render/context.js';
import type { RenderErrorDetail } from '../kickstart/render/index.js';
import { listSamples } from '../templates/samples.js';
import type { ProfileInput } from './profile.js';

/** Enough for any real template; a bound so a template that keeps asking cannot loop for long. */
const MAX_RENDERS = 40;
const PLACEHOLDER = 'placeholder';
const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

export async function profileWarnings(
  deps: Pick<Deps, 'config' | 'kickstarts' | 'secrets'>,
  profile: ProfileInput,
  baseUrl: string,
): Promise<string[]> {
  if (profile.action !== 'kickstart') return [];
  const sample = (await listSamples(deps.config.templatesDir)).find((s) => s.facts);
  if (!sample?.facts) return [];
  const host = {
    id: `sample-${sample.name}`,
    hostname: `${sample.name}.example.com`,
    boot_mac: sample.facts.boot_mac,
    state: 'assigned' as const,
  };
  const params = structuredClone(deps.secrets.open(profile.params));
  const warnings: string[] = [];
  for (let i = 0; i < MAX_RENDERS; i++) {
    try {
      deps.kickstarts.render(profile.template, kickstartContext(host, sample.facts, params, baseUrl));
      return warnings;
    } catch (err) {
      const detail = err instanceof AppError && err.code === 'TEMPLATE_RENDER' ? (err.detail as RenderErrorDetail | undefined) : undefined;
      const path = detail?.expression?.startsWith('params.') ? detail.expression.slice('params.'.length).split('.') : undefined;
      if (!detail || !path || !path.every((k) => /^\w+$/.test(k) && !UNSAFE.has(k)) || !fill(params, path)) {
        warnings.push(`${profile.template} does not render for sample ${sample.name}: ${messageOf(err)}`);
        return warnings;
      }
      warnings.push(`${where(profile.template, detail)} needs ${detail.expression} (line ${detail.line})`);
    }
  }
  return warnings;
}

/** `rhel.ks.njk`, or `snippets/network.njk (included from rhel.ks.njk)` when the need is in a snippet. */
function where(template: string, detail: RenderErrorDetail): string {
  return detail.template === template ? template : `${detail.template} (included from ${template})`;
}

/** Put a placeholder at `path` in params; false when something already there is in the way. */
function fill(params: Record<string, unknown>, path: string[]): boolean {
  let at = params;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    if (next === undefined || next === null) at = at[key] = {};
    else if (typeof next === 'object' && !Array.isArray(next)) at = next as Record<string, unknown>;
    else return false;
  }
  const last = path.at(-1)!;
  if (at[last] !== undefined && at[last] !== null) return false;
  at[last] = PLACEHOLDER;
  return true;
}
