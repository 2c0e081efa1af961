// What the admin API and the pages show of a host. The token hash stays inside: it is not a secret by
// itself, but nothing outside needs it and an offline guess against it is one less thing to reason
// about. Secret params show as "***" (secrets/secret-params.ts): a viewer may read every host.
import { bmcView } from '../bmc/bmc.js';
import type { Facts } from '../discovery/facts.js';
import { maskParams } from '../secrets/secret-params.js';
import type { Host, IdentityConflict } from './host.js';

// The boot key is a secret the per-MAC boot entries print (admins only: GET …/boot-entries); the claim
// hash is a token digest like token_hash. Views show that a key is set and who claims the host.
export function hostListItem(host: Host) {
  const { token_hash: _hash, events: _events, boot_key: _key, conflict, bmc, ...rest } = host;
  return {
    ...rest,
    // The BMC password (sealed) never leaves: only whether one is set (bmc/bmc.ts bmcView).
    ...(bmc ? { bmc: bmcView(bmc) } : {}),
    ...maskedAssignment(host),
    boot_key_set: host.boot_key !== undefined,
    ...(conflict ? { conflict: conflictView(conflict) } : {}),
  };
}

export function hostDetail(host: Host, facts: Facts | undefined) {
  const { token_hash: _hash, boot_key: _key, conflict, bmc, ...rest } = host;
  return {
    ...rest,
    ...(bmc ? { bmc: bmcView(bmc) } : {}),
    ...maskedAssignment(host),
    boot_key_set: host.boot_key !== undefined,
    ...(conflict ? { conflict: conflictView(conflict) } : {}),
    facts: facts ?? null,
  };
}

export function conflictView(conflict: IdentityConflict) {
  const { claim_hash: _claim, ...rest } = conflict;
  return rest;
}

/** The host's assignment with its secret params masked (nothing when it has none). */
export function maskedAssignment(host: Pick<Host, 'assignment'>): Pick<Host, 'assignment'> {
  const a = host.assignment;
  if (a?.action !== 'kickstart') return a ? { assignment: a } : {};
  return { assignment: { ...a, params: maskParams(a.params) } };
}
