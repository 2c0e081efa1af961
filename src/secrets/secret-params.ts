// Which params are secrets, by name alone (docs/templates.md, "Secret params"): a name is all the
// service knows about a value, and a rule an operator can read beats a guess from its content.
// Passwords are kept as a SHA-512 crypt hash (what rootpw/user --iscrypted take), other secrets
// sealed with the data dir's key (secret-box.ts). Neither is ever shown: answers and pages say "***".

/** What answers and pages show in place of a secret param's value. */
export const SECRET_MASK = '***';

const PASSWORD = /^(?:root_password|.+_password)$/;
const SECRET = /^.+_(?:secret|token|key)$/;

/** root_password, *_password, *_secret, *_token, *_key. */
export function isSecretParam(name: string): boolean {
  return PASSWORD.test(name) || SECRET.test(name);
}

/** A secret kept as a crypt hash rather than sealed: templates only ever need its hash. */
export function isPasswordParam(name: string): boolean {
  return PASSWORD.test(name);
}

/** The params as answers and pages show them: each secret's value replaced by "***". */
export function maskParams(params: Record<string, unknown>): Record<string, unknown> {
  let masked: Record<string, unknown> | undefined;
  for (const name of Object.keys(params)) {
    if (!isSecretParam(name)) continue;
    masked ??= { ...params };
    masked[name] = SECRET_MASK;
  }
  return masked ?? params;
}
