// The one error catalog. Every error a client can cause has a code here, an HTTP status, and is
// raised as an AppError naming the field (or template line) at fault. Anything else is a bug and
// becomes a 500 with no detail in the body.
export const ERRORS = {
  BAD_JSON: 400,
  VALIDATION: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BODY_TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  HOST_NOT_FOUND: 404,
  TEMPLATE_NOT_FOUND: 400,
  TEMPLATE_RENDER: 400,
  TEMPLATE_SYNTAX: 400,
  TEMPLATE_CHANGED: 409,
  TEMPLATE_VERSION_NOT_FOUND: 404,
  INVALID_TRANSITION: 409,
  // A poll with a claim token: another machine holds this host's identity (docs/discovery.md#identity-conflicts).
  IDENTITY_CONFLICT: 409,
  INSTALLER_NOT_FOUND: 404,
  KEXEC_UNAVAILABLE: 400,
  HOSTNAME_TAKEN: 409,
  PROFILE_NOT_FOUND: 404,
  UNKNOWN_PROFILE: 400,
  PROFILE_IN_USE: 409,
  PROFILE_NOT_BOOTABLE: 400,
  RULE_NOT_FOUND: 404,
  NAME_TAKEN: 409,
  INVALID_EXPRESSION: 400,
  INVALID_PATTERN: 400,
  LIMIT_REACHED: 409,
  RATE_LIMITED: 429,
  STORAGE_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERRORS[code];
  }

  toJSON(): { error: { code: ErrorCode; message: string; field?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}
