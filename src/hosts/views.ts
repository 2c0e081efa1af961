// What the admin API shows of a host. The token hash stays inside: it is not a secret by itself, but
// nothing outside needs it and an offline guess against it is one less thing to reason about.
import type { Facts } from '../discovery/facts.js';
import type { Host, IdentityConflict } from './host.js';

// The boot key is a secret the per-MAC boot entries print (admins only: GET …/boot-entries); the claim
// hash is a token digest like token_hash. Views show that a key is set and who claims the host.
export function hostListItem(host: Host) {
  const { token_hash: _hash, events: _events, boot_key: _key, conflict, ...rest } = host;
  return { ...rest, boot_key_set: host.boot_key !== undefined, ...(conflict ? { conflict: conflictView(conflict) } : {}) };
}

export function hostDetail(host: Host, facts: Facts | undefined) {
  const { token_hash: _hash, boot_key: _key, conflict, ...rest } = host;
  return { ...rest, boot_key_set: host.boot_key !== undefined, ...(conflict ? { conflict: conflictView(conflict) } : {}), facts: facts ?? null };
}

export function conflictView(conflict: IdentityConflict) {
  const { claim_hash: _claim, ...rest } = conflict;
  return rest;
}
