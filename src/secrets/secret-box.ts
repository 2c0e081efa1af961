// Secret params at rest: what the store keeps and what a template receives. A password becomes its
// SHA-512 crypt hash when it is assigned (the `pwhash` filter passes a hash through unchanged, so
// templates render as before); any other secret is sealed with AES-256-GCM under the data dir's key
// into a tagged string, opened only when a kickstart is rendered. Both steps leave what is already
// protected as it is, so protecting twice (a profile's params merged into an assignment, a migration
// at each start) changes nothing.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import { isCryptHash, sha512Crypt } from '../kickstart/sha512-crypt.js';
import { isPasswordParam, isSecretParam } from './secret-params.js';

/** The tag of a sealed value: version 1, then base64url(iv | auth tag | ciphertext of its JSON). */
export const SEALED_PREFIX = 'kickstand-sealed:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  constructor(private readonly key: Buffer) {}

  /** The params as the store keeps them: passwords hashed, other secrets sealed. */
  protect(params: Record<string, unknown>): Record<string, unknown> {
    let out: Record<string, unknown> | undefined;
    for (const [name, value] of Object.entries(params)) {
      if (!isSecretParam(name) || value === undefined || value === null) continue;
      const kept = this.protectOne(name, value);
      if (kept === value) continue;
      out ??= { ...params };
      out[name] = kept;
    }
    return out ?? params;
  }

  /** The params as a template receives them: sealed values opened (passwords stay hashes). */
  open(params: Record<string, unknown>): Record<string, unknown> {
    let out: Record<string, unknown> | undefined;
    for (const [name, value] of Object.entries(params)) {
      if (!isSealed(value)) continue;
      out ??= { ...params };
      out[name] = this.openOne(`params.${name}`, value);
    }
    return out ?? params;
  }

  /** One secret that is not a template param (a BMC password): sealed, unless it already is. */
  sealValue(value: string): string {
    return isSealed(value) ? value : this.seal(value);
  }

  /** A value sealValue made, opened; `field` names it in the error when this data dir's key cannot. */
  openValue(field: string, sealed: string): string {
    const value = this.openOne(field, sealed);
    if (typeof value !== 'string') throw new AppError('VALIDATION', `${field} is not a sealed string`, field);
    return value;
  }

  private protectOne(name: string, value: unknown): unknown {
    if (isPasswordParam(name)) {
      // Only a string can be a password; anything else is left for the template to refuse, but not
      // kept readable: it is sealed like other secrets.
      if (typeof value === 'string') return isCryptHash(value) ? value : sha512Crypt(value);
    }
    return isSealed(value) ? value : this.seal(value);
  }

  private seal(value: unknown): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf-8'), cipher.final()]);
    return `${SEALED_PREFIX}${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  private openOne(field: string, sealed: string): unknown {
    const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf-8');
      return JSON.parse(text) as unknown;
    } catch {
      // Another data dir's key (a restore without secret.key) or a damaged value: the render fails
      // naming the param, never with the sealed text in the kickstart.
      throw new AppError(
        'TEMPLATE_RENDER',
        `${field} was sealed with another key than this data dir's secret.key (restore secret.key from the backup, or set it again)`,
        field,
      );
    }
  }
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
}
