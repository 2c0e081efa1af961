// The one error catalog (fastify's lib/errors.js is the model). Every error a client can cause has a
// code here and an HTTP status, and is raised as an AppError naming the field (or template line) at
// fault. Anything else is a bug and becomes a 500 with no detail in the body.
// Messages said at more than one place live here too, in `errors` below: one constructor per kind of
// error, so "no host with id" is written once. A code may have several kinds (NOT_FOUND: a user, a
// route, an install log), so statuses are keyed by code and message templates by kind.
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
  STAGE_UNAVAILABLE: 400,
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
  // BMC operations (docs/bmc.md): the host has none set, or the BMC failed the operation. A BMC is a
  // server Kickstand calls, so its failures are gateway errors, told apart by code.
  BMC_NOT_CONFIGURED: 409,
  BMC_UNREACHABLE: 502,
  BMC_AUTH: 502,
  BMC_REFUSED: 502,
  BMC_PROTOCOL: 502,
  BMC_TIMEOUT: 504,
  // Adopting the BMC address a machine reported (docs/bmc.md#facts-what-the-machine-reports): it reported none, or another host has it.
  BMC_NOT_REPORTED: 409,
  BMC_ADDRESS_TAKEN: 409,
  CREDENTIALS_NOT_FOUND: 404,
  CREDENTIALS_IN_USE: 409,
  // Expected hosts and tags (docs/inventory.md).
  EXPECTED_HOST_NOT_FOUND: 404,
  // Choosing a record another host took, without force (docs/inventory.md#resolution-by-a-person).
  EXPECTED_HOST_CLAIMED: 409,
  // An expected-host list with bad rows: every problem (line and column, or index and field) in `errors`.
  IMPORT_INVALID: 400,
  TAG_NOT_FOUND: 404,
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

  toJSON(): { error: { code: ErrorCode; message: string; field?: string; position?: unknown; errors?: unknown[] } } {
    // An error inside a text the client sent (a `where` filter) says where: { line, column }; a list
    // with many bad rows (an expected-host import) says each one in `errors`.
    const { position, errors: list } = (this.detail ?? {}) as { position?: unknown; errors?: unknown };
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field ? { field: this.field } : {}),
        ...(position ? { position } : {}),
        ...(Array.isArray(list) ? { errors: list } : {}),
      },
    };
  }
}

/** Constructors of the errors raised at more than one place: code, message template and (when the
 *  kind always names one) field together. `throw errors.hostNotFound(id)`. */
export const errors = {
  internal: () => new AppError('INTERNAL', 'internal error'),
  hostNotFound: (id: string, field?: string) => new AppError('HOST_NOT_FOUND', `no host with id "${id}"`, field),
  profileNotFound: (name: string, field?: string) => new AppError('PROFILE_NOT_FOUND', `no profile named "${name}"`, field),
  unknownProfile: (name: string) => new AppError('UNKNOWN_PROFILE', `profile "${name}" does not exist`, 'profile'),
  ruleNotFound: (name: string, field?: string) => new AppError('RULE_NOT_FOUND', `no rule named "${name}"`, field),
  installerNotFound: (name: string, field?: string) => new AppError('INSTALLER_NOT_FOUND', `no installer named "${name}"`, field),
  userNotFound: (name: string, field = 'name') => new AppError('NOT_FOUND', `no user named "${name}"`, field),
  templateNotFound: (name: string) =>
    new AppError('TEMPLATE_NOT_FOUND', `template "${name}" does not exist in the templates folder`, 'template'),
  templateFileMissing: (name: string) => new AppError('NOT_FOUND', `no template "${name}" in the templates folder`, 'name'),
  templateVersionNotFound: (name: string, version: string | number) =>
    new AppError('TEMPLATE_VERSION_NOT_FOUND', `template ${name} has no version ${version}`, 'version'),
  noInstallLog: (hostId: string) => new AppError('NOT_FOUND', `host ${hostId} has no install log`),
  webhookNotFound: (name: string, field?: string) => new AppError('NOT_FOUND', `no webhook named "${name}"`, field),
  nameTaken: (kind: 'user' | 'rule' | 'profile' | 'installer' | 'webhook', name: string) =>
    new AppError('NAME_TAKEN', `${kind} "${name}" already exists`, 'name'),
  badHostToken: () => new AppError('UNAUTHORIZED', 'missing or invalid host token'),
  factsUnreadable: () => new AppError('STORAGE_UNAVAILABLE', 'the facts of this host cannot be read'),
  badRole: () => new AppError('VALIDATION', 'role must be one of admin, operator, author, viewer', 'role'),
  bodyTooLarge: (limit: number | string) => new AppError('BODY_TOO_LARGE', `the body is larger than ${limit} bytes`, 'body'),
  /** A JSON text typed into a web form (params). */
  formJson: (err: unknown, field: string) => new AppError('VALIDATION', `not valid JSON: ${messageOf(err)}`, field),
} as const;

/** The message of anything thrown: an Error's own, else its string form. */
export function messageOf(err: unknown): string {
  // Not `instanceof Error`: errors from the template sandbox come from another realm.
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}

/** The errno code (`ENOENT`, `EACCES`…) of a failed system call, if it was one. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A command line a person got wrong: the CLI prints the problem and the command's usage, exit 2. */
export class UsageError extends Error {
  constructor(problem: string, usage: string) {
    super(`${problem}\n${usage}`);
    this.name = 'UsageError';
  }
}

// Every way a product.img build can fail (src/product-img), as one class. The message is one line that
// starts with the file at fault (an RPM, a recipe, the output), so the CLI and the HTTP layer can print
// it as is; the CLI exits 1 on it.
export type ProductImgErrorCode =
  | 'NOT_RPM'
  | 'TRUNCATED'
  | 'CORRUPT_HEADER'
  | 'UNKNOWN_COMPRESSOR'
  | 'CORRUPT_PAYLOAD'
  | 'NOT_IMAGE'
  | 'BAD_PATH'
  | 'TAKE_UNMATCHED'
  | 'MISSING_LIBS'
  | 'BAD_RECIPE'
  | 'BAD_INPUT'
  | 'NO_OUTPUT_DIR'
  | 'XZ_FAILED'
  | 'WRITE_FAILED';

export class ProductImgError extends Error {
  constructor(
    readonly code: ProductImgErrorCode,
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ProductImgError';
  }
}

// `kickstand data export|import` (src/store/export/): what moving an installation can run into, as one
// class. The message is the whole story — the line and field of a bad line, what a non-empty target
// holds, which key is needed — and says whether anything was written; the CLI exits 1 on it.
export type DataMoveErrorCode =
  /** A line of the export is not what the format says (JSON, record type, field, version). */
  | 'BAD_LINE'
  /** The export ends before its end record, or its counts disagree: it was cut short. */
  | 'INCOMPLETE'
  /** The export changed between the check of every line and the import. */
  | 'CHANGED'
  /** The target store holds records already: an import never merges. */
  | 'NOT_EMPTY'
  /** The target's secret.key is missing or is not the key the export's sealed params need. */
  | 'KEY_MISMATCH'
  /** The service runs on the target data dir. */
  | 'BUSY'
  /** The target refused a write part-way: it holds part of the export. */
  | 'STOPPED';

export class DataMoveError extends Error {
  constructor(
    readonly code: DataMoveErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DataMoveError';
  }
}

// `kickstand discovery-image build` (src/discovery-image/build.ts): what building the dracut discovery
// image can run into. The message says what to install or pass; the CLI exits 1 on it.
export type DiscoveryImageErrorCode =
  /** No kernel (vmlinuz and /lib/modules/<kver>) for the version asked, or none at all. */
  | 'NO_KERNEL'
  /** dracut is not installed, or its module folder is not where it should be. */
  | 'NO_DRACUT'
  /** dracut ran and failed: the message ends with its last lines. */
  | 'DRACUT_FAILED'
  /** The output folder cannot be created or written. */
  | 'WRITE_FAILED';

export class DiscoveryImageError extends Error {
  constructor(
    readonly code: DiscoveryImageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DiscoveryImageError';
  }
}
