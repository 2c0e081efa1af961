// Secret params in an imported list (root_password, *_token…: secrets/secret-params.ts). The store
// keeps them protected, as an assignment's (hashed or sealed); an export shows "***". So an imported
// "***" keeps the stored value (an exported list imports back unchanged), and a value typed again that
// equals the stored one keeps it too (re-importing the vendor's list changes nothing).
import { isCryptHash, sha512Crypt } from '../kickstart/sha512-crypt.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { isPasswordParam, isSecretParam, SECRET_MASK } from '../secrets/secret-params.js';
import { sameValue } from './same-value.js';
import type { FieldProblem } from './validate.js';

export function keepSecrets(
  box: SecretBox,
  params: Record<string, unknown> | undefined,
  stored: Readonly<Record<string, unknown>> | undefined,
): { params?: Record<string, unknown>; problems: FieldProblem[] } {
  if (!params) return { problems: [] };
  const problems: FieldProblem[] = [];
  const out: Record<string, unknown> = { ...params };
  for (const [name, value] of Object.entries(params)) {
    if (!isSecretParam(name)) continue;
    const kept = stored && Object.hasOwn(stored, name) ? stored[name] : undefined;
    if (value === SECRET_MASK) {
      if (kept === undefined)
        problems.push({
          path: `params.${name}`,
          message: `is "${SECRET_MASK}", which stands for a stored secret, and none is stored: give its value`,
        });
      else out[name] = kept;
    } else if (kept !== undefined && sameSecret(box, name, value, kept)) out[name] = kept;
  }
  return { params: box.protect(out), problems };
}

function sameSecret(box: SecretBox, name: string, value: unknown, kept: unknown): boolean {
  if (sameValue(value, kept)) return true;
  if (typeof kept !== 'string') return false;
  if (isPasswordParam(name) && isCryptHash(kept)) return typeof value === 'string' && sha512Crypt(value, kept) === kept;
  try {
    return sameValue(box.open({ [name]: kept })[name], value);
  } catch {
    return false;
  }
}
