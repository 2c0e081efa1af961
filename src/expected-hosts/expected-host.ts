// An expected host: a machine an admin announced before it arrived (a vendor's packing list, a NetBox
// export), by what identifies it — boot MAC, any MAC, serial, chassis asset tag, DMI UUID or the
// switch port it is cabled to — with what it should become: hostname, profile, params, tags, BMC.
// When a machine registers and matches exactly one record, it takes that record (claim.ts); two
// records matching one machine are flagged, never guessed. docs/inventory.md.
import type { BmcDriverName } from '../bmc/bmc.js';

/** What a record matches on. Every key it gives must match the machine (match.ts): give the ones you
 *  trust. `switch` and `port` go together (an LLDP neighbour: docs/inventory.md#matching-by-switch-port). */
export interface ExpectedMatch {
  boot_mac?: string;
  /** Any NIC's MAC. */
  mac?: string;
  serial?: string;
  asset_tag?: string;
  uuid?: string;
  switch?: string;
  port?: string;
}

export const MATCH_KEYS = [
  'boot_mac',
  'mac',
  'serial',
  'asset_tag',
  'uuid',
  'switch',
  'port',
] as const satisfies readonly (keyof ExpectedMatch)[];
export type MatchKey = (typeof MATCH_KEYS)[number];

/** The BMC an import may set: address and credential set by name. No password travels in a packing
 *  list: passwords live in credential sets (docs/bmc.md#credential-sets). */
export interface ExpectedBmc {
  driver: BmcDriverName;
  address: string;
  port?: number;
  credentials?: string;
}

export interface ExpectedHost {
  /** eh-…, given at the first import; re-imports find the record by its match keys (import.ts). */
  id: string;
  match: ExpectedMatch;
  hostname?: string;
  profile?: string;
  /** Profile params, as on an assignment (secret ones masked in every view). */
  params?: Record<string, unknown>;
  tags?: string[];
  bmc?: ExpectedBmc;
  /** Assign the profile as soon as the machine registers, with no click and whatever auto_provision says. */
  provision: boolean;
  /** The host that took this record; another machine matching it later is flagged, not given it. */
  claimed_by?: string;
  claimed_at?: string;
  created_at: string;
  updated_at: string;
}

/** The shapes of match values, as pattern text (validate.ts builds its checks from these; the data
 *  move's schema, schemas/export.ts, uses them so `kickstand data import` brings no record an import
 *  would refuse). Free text (serial, asset tag, switch, port) starts with a letter or digit: a leading
 *  = + - @ would be a formula in a spreadsheet. */
export const MAC_PATTERN = '^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(?:\\1[0-9a-fA-F]{2}){4}$';
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const FREE_TEXT_PATTERN = '^[A-Za-z0-9][A-Za-z0-9 ._:/#()+,-]{0,127}$';
