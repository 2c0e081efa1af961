// Who asks a use case for a change, and from where: a person (API, web form, CLI), a rule, a boot
// entry, Kickstand itself. One value instead of loose strings, so an actor can never land where an IP
// was meant (the timeline and the audit trail record both).
export interface Caller {
  /** A user name, "admin", "cli", "rule NAME", "boot-entry", "auto-provision", "kickstand". */
  actor: string;
  /** The request's address; for a decision Kickstand makes itself, the machine's last-seen address. */
  ip?: string;
  /** The URL machines use to reach Kickstand (http/base-url.ts): a render needs it. */
  baseUrl?: string;
}

/** A Caller that must say where it is (`ip`) or what base URL a render uses (`baseUrl`). */
export type CallerWith<K extends 'ip' | 'baseUrl'> = Caller & Required<Pick<Caller, K>>;
