// What the admin API and the pages show of a host. The token hash stays inside: it is not a secret by
// itself, but nothing outside needs it and an offline guess against it is one less thing to reason
// about. Secret params show as "***" (secrets/secret-params.ts): a viewer may read every host.
import type { Facts } from '../discovery/facts.js';
import { maskParams } from '../secrets/secret-params.js';
import type { Host } from './host.js';

export function hostListItem(host: Host) {
  const { token_hash: _hash, events: _events, ...rest } = host;
  return { ...rest, ...maskedAssignment(host) };
}

export function hostDetail(host: Host, facts: Facts | undefined) {
  const { token_hash: _hash, ...rest } = host;
  return { ...rest, ...maskedAssignment(host), facts: facts ?? null };
}

/** The host's assignment with its secret params masked (nothing when it has none). */
export function maskedAssignment(host: Pick<Host, 'assignment'>): Pick<Host, 'assignment'> {
  const a = host.assignment;
  if (a?.action !== 'kickstart') return a ? { assignment: a } : {};
  return { assignment: { ...a, params: maskParams(a.params) } };
}
