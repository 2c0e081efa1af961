// What the admin API shows of a host. The token hash stays inside: it is not a secret by itself, but
// nothing outside needs it and an offline guess against it is one less thing to reason about.
import type { Facts } from '../discovery/facts.js';
import type { Host } from './host.js';

export function hostListItem(host: Host) {
  const { token_hash: _hash, events: _events, ...rest } = host;
  return rest;
}

export function hostDetail(host: Host, facts: Facts | undefined) {
  const { token_hash: _hash, ...rest } = host;
  return { ...rest, facts: facts ?? null };
}
