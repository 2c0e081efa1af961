// A form or an API client that sends back what it was shown sends "***" for each secret param. That
// means "keep the stored value", never a new password of three stars: the value kept before is used,
// and a "***" with nothing kept before is refused naming the param.
import { AppError } from '../errors.js';
import { isSecretParam, SECRET_MASK } from './secret-params.js';

export function keepMasked(next: Record<string, unknown>, kept: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(next)) {
    if (value !== SECRET_MASK || !isSecretParam(name)) continue;
    if (!(name in kept))
      throw new AppError(
        'VALIDATION',
        `params.${name} is "${SECRET_MASK}", which stands for a stored secret, and none is stored: give its value`,
        'params',
      );
    out ??= { ...next };
    out[name] = kept[name];
  }
  return out ?? next;
}
