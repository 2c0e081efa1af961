// A discovery rule: which machines (expression over facts) get which profile and hostname, in what
// order (priority, lower first) and how many at most (limit, 0 = unlimited).
export interface Rule {
  name: string;
  description?: string;
  /** Rule language text (docs/rules.md); compiled and type-checked when saved. */
  expression: string;
  profile: string;
  /** Operator template for the hostname (rules/hostname-pattern.ts). */
  hostname_pattern: string;
  priority: number;
  limit: number;
  enabled: boolean;
  /** Last number handed out by seq() in the hostname pattern. */
  sequence: number;
  created_at: string;
  updated_at: string;
}

export interface Settings {
  /** Run the rules when a machine registers (off by default, as in Foreman). */
  auto_provision: boolean;
  /** The BMC credential set a host uses when neither it nor its profile names one (bmc/target.ts). */
  bmc_default_credentials?: string;
}

export const DEFAULT_SETTINGS: Settings = { auto_provision: false };
