// Secret params in an imported list (root_password, *_token…: secrets/secret-params.ts). The store
// keeps them protected, as an assignment's (hashed or sealed); an export shows "***". So an imported
// "***" keeps the stored value (an exported list imports back unchanged). Any other value is a change,
// never compared with the stored secret: comparing meant hashing the plaintext with the stored hash's
// settings (an imported `$6$rounds=999999999$…` cost an hour per row on the next import), and a dry run
// answering "unchanged" told whoever may import whether they guessed a secret an admin set.
// Checking (keepSecrets) hashes nothing, so a dry run never does; the real import hashes each distinct
// password once (protectSecrets), yielding to the event loop between hashes.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { isCryptHash, sha512Crypt } from '../kickstart/sha512-crypt.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { isPasswordParam, isSecretParam, SECRET_MASK } from '../secrets/secret-params.js';
import type { FieldProblem } from './validate.js';

/** Distinct plaintext passwords in one import: each costs a SHA-512 crypt (~20 ms). */
export const MAX_PASSWORDS = 1000;
/** Rounds a `$5$`/`$6$` hash in a list may ask for. passlib and Ansible's password_hash use 656,000;
 *  more only makes every login on the installed machine slow. */
export const MAX_CRYPT_ROUNDS = 1_000_000;

export interface KeptSecrets {
  params?: Record<string, unknown>;
  problems: FieldProblem[];
  /** The secret params the row gives a value for (not "***"): each one is a change. */
  fresh: string[];
  /** The password params among them given as plaintext (to be hashed), by name. */
  plaintexts: Map<string, string>;
}

/** The row's params with each "***" replaced by the stored secret; nothing hashed or sealed yet. */
export function keepSecrets(
  params: Record<string, unknown> | undefined,
  stored: Readonly<Record<string, unknown>> | undefined,
): KeptSecrets {
  const kept: KeptSecrets = { problems: [], fresh: [], plaintexts: new Map() };
  if (!params) return kept;
  const out: Record<string, unknown> = { ...params };
  for (const [name, value] of Object.entries(params)) {
    if (!isSecretParam(name) || value === undefined || value === null) continue;
    if (value === SECRET_MASK) {
      const was = stored && Object.hasOwn(stored, name) ? stored[name] : undefined;
      if (was === undefined)
        kept.problems.push({
          path: `params.${name}`,
          message: `is "${SECRET_MASK}", which stands for a stored secret, and none is stored: give its value`,
        });
      else out[name] = was;
      continue;
    }
    kept.fresh.push(name);
    if (!isPasswordParam(name) || typeof value !== 'string') continue;
    if (!isCryptHash(value)) kept.plaintexts.set(name, value);
    else {
      const rounds = cryptRounds(value);
      if (rounds !== undefined && rounds > MAX_CRYPT_ROUNDS)
        kept.problems.push({
          path: `params.${name}`,
          message: `is a crypt hash with rounds=${rounds}: at most ${MAX_CRYPT_ROUNDS} (the default is 5000)`,
        });
    }
  }
  kept.params = out;
  return kept;
}

/** The `rounds=N` of a SHA-256/512 crypt hash, if it has one. */
function cryptRounds(hash: string): number | undefined {
  const m = /^\$[56]\$rounds=(\d{1,20})\$/.exec(hash);
  return m ? Number(m[1]) : undefined;
}

/** The params as the store keeps them: plaintext passwords hashed (each distinct one once per import:
 *  `hashes` is the import's), other secrets sealed. */
export async function protectSecrets(
  box: SecretBox,
  params: Record<string, unknown>,
  hashes: Map<string, string>,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { ...params };
  for (const [name, value] of Object.entries(params)) {
    if (!isPasswordParam(name) || typeof value !== 'string' || isCryptHash(value)) continue;
    let hash = hashes.get(value);
    if (hash === undefined) {
      // ~20 ms each: let requests in between, so a big list does not stall the service.
      await yieldToLoop();
      hash = sha512Crypt(value);
      hashes.set(value, hash);
    }
    out[name] = hash;
  }
  return box.protect(out);
}
