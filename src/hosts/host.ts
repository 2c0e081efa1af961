// The host record: what the service keeps in its hot document for every machine it has seen.
// Full facts live beside it (HostRepository.getFacts), so listing 10,000 hosts never parses 80 MB of facts.
import type { BmcConfig, HostPower } from '../bmc/bmc.js';

/** discovered: waiting for an assignment · assigned: an answer is ready for its next poll ·
 *  provisioning: the answer was delivered · installed / failed: the installer said so ·
 *  lost: stopped polling while waiting. Moves between them: lifecycle.ts. */
export type HostState = 'discovered' | 'assigned' | 'provisioning' | 'installed' | 'failed' | 'lost';

/** What the `stage` action writes to the machine's disk: each file with the sha256 and size the
 *  %pre checks it against, the append line, and the disk when not the first non-removable one. */
export interface StageTarget {
  kernel: string;
  kernel_sha256: string;
  kernel_size: number;
  initrd: string;
  initrd_sha256: string;
  initrd_size: number;
  append: string;
  stage_disk?: string;
}

export type Assignment = (
  | { action: 'kickstart'; template: string; params: Record<string, unknown> }
  | { action: 'kexec'; kernel: string; initrd: string; append: string }
  | ({ action: 'stage' } & StageTarget)
  | { action: 'reboot' }
) & {
  /** The profile it came from, if any (a profile in use cannot be deleted without force). */
  profile?: string;
  /** The rule that chose it, if any (counts against the rule's limit). */
  rule?: string;
};

export interface HostEvent {
  at: string;
  /** discovered · rediscovered · stub-fetched · assigned · delivered · deleted-assignment … */
  type: string;
  /** Who caused it: "machine", "admin", or a rule name later. */
  actor: string;
  ip?: string;
  message: string;
  /** On a "failed" event: the installer sent more log than is kept (MAX_INSTALL_LOG); its tail was kept. */
  log_truncated?: true;
}

/** What the host list shows without opening the facts file. */
export interface FactsSummary {
  vendor?: string;
  product?: string;
  serial?: string;
  arch?: string;
  cpu_model?: string;
  cpu_cores?: number | null;
  memory_mib?: number | null;
  disk_count: number;
  disk_total_bytes: number;
  nic_count: number;
  ip?: string;
  firmware?: string;
  kexec: boolean;
  installer?: string;
  /** The BMC address the facts report (facts.bmc.ip, 0.0.0.0 left out): reported, not necessarily adopted. */
  bmc_ip?: string;
  /** Display controllers among the PCI devices (absent when the machine reported no PCI list). */
  gpu_count?: number;
  /** The boot NIC's LLDP neighbour: the switch's name (else its chassis id) and port id. */
  lldp_switch?: string;
  lldp_port?: string;
}

export interface Host {
  id: string;
  state: HostState;
  /** MAC of the NIC the machine booted from: its primary identity. */
  boot_mac: string;
  /** Every MAC the machine reported: a re-discovery through another NIC still finds the host. */
  macs: string[];
  /** DMI system UUID when it is a real one (placeholders such as all zeros are dropped). */
  uuid?: string;
  /** Serial number, from DMI or the X-System-Serial-Number header Anaconda sent with GET /ks. */
  serial?: string;
  hostname?: string;
  /** sha256 of the host's bearer token; the token itself is shown once, to the machine. Empty once
   *  the token is dead (the host installed): nothing matches it. */
  token_hash: string;
  /** The token stops working at this time: set when the answer is delivered (KICKSTAND_TOKEN_TTL). */
  token_expires_at?: string;
  /** Callbacks already recorded for the current answer (stage or stage:event_id): a retried
   *  callback is recorded once. Cleared at each delivery. */
  callbacks?: string[];
  summary: FactsSummary;
  assignment?: Assignment;
  created_at: string;
  updated_at: string;
  last_seen_at: string;
  last_seen_ip?: string;
  /** Set while another machine claims this host's identity (same boot MAC or DMI UUID, or a
   *  registration without the host's boot key) and an operator has not decided: see
   *  src/discovery/conflict.ts. */
  conflict?: IdentityConflict;
  /** Per-host boot key (kickstand.key= on the per-MAC boot entries): with one, only a registration
   *  presenting it is this host. Kept as is, not hashed, because the per-MAC entries must print it;
   *  never shown through a view (views.ts), only to admins (docs/operations.md#boot-keys). */
  boot_key?: string;
  /** How Kickstand reaches the machine's BMC to power it and set its boot device (docs/bmc.md). */
  bmc?: BmcConfig;
  /** The last power state its BMC answered (bmc/power-refresh.ts), for the hosts table. */
  power?: HostPower;
  /** Free tags an operator (or an expected-host record) gave it: tags/tag.ts says what a tag may be. */
  tags?: string[];
  /** Tags its facts earned from the automatic tag definitions (tags/auto-tags.ts), re-evaluated
   *  whenever its facts or the definitions change; never set by hand. */
  auto_tags?: string[];
  /** The expected-host record this machine took when it registered (expected-hosts/claim.ts). */
  expected?: { id: string; matched_by: string[]; at: string };
  /** Two or more expected-host records matched it (or one another machine already took): none was
   *  applied, an operator decides. Cleared when one is applied. */
  expected_ambiguous?: { ids: string[]; reason: string; at: string };
  /** Newest last; capped (see MAX_EVENTS, MAX_CHATTY_EVENTS) so a chatty host cannot grow the hot
   *  document forever, nor push what matters off its timeline. */
  events: HostEvent[];
}

/** A registration that matched this host but was not allowed to become it. The newcomer holds a claim
 *  token (its hash here): its polls get 409 IDENTITY_CONFLICT until an operator (or the automatic
 *  release) makes the claim the host's token. */
export interface IdentityConflict {
  /** sha256 of the newcomer's claim token. */
  claim_hash: string;
  at: string;
  ip: string;
  /** What the newcomer reported: the host takes these only when released to it. */
  boot_mac: string;
  macs: string[];
  uuid?: string;
  /** How it matched, and why it was not simply re-discovered. */
  matched_by: 'boot_mac' | 'uuid';
  reason: string;
  /** Set at the first refused poll, so a polling newcomer writes one conflict-refused event, not one
   *  every five seconds. */
  refused_at?: string;
}

/** Events anyone on the provisioning network can cause again and again (a GET /ks with a host's MAC,
 *  a registration with its facts, a boot entry naming a profile): they share a small cap of their own
 *  and are dropped first, so they never push out an assignment, a delivery, a state change, an
 *  identity conflict or an installer callback. */
export const CHATTY_EVENTS: ReadonlySet<string> = new Set(['stub-fetched', 'rediscovered', 'boot-profile-ignored', 'bmc-reported']);

/** A machine claiming the host's identity can register again and again (each registration replaces
 *  the claim and is noted): conflicts get a cap of their own too, so a claimant flooding registrations
 *  keeps the newest conflicts visible without pushing the assignment or its delivery off the timeline.
 *  The operator's release (conflict-released) is kept with everything else. */
export const CONFLICT_EVENTS: ReadonlySet<string> = new Set(['identity-conflict', 'conflict-refused']);

/** Everything else — assigned, delivered, state changes, callbacks, releases — is kept up to this many. */
export const MAX_EVENTS = 100;
export const MAX_CHATTY_EVENTS = 20;
export const MAX_CONFLICT_EVENTS = 20;

type EventKind = 'chatty' | 'conflict' | 'kept';
const CAPS: Record<EventKind, number> = { chatty: MAX_CHATTY_EVENTS, conflict: MAX_CONFLICT_EVENTS, kept: MAX_EVENTS };

function kindOf(type: string): EventKind {
  return CHATTY_EVENTS.has(type) ? 'chatty' : CONFLICT_EVENTS.has(type) ? 'conflict' : 'kept';
}

export function addEvent(host: Host, event: Omit<HostEvent, 'at'> & { at?: string }): void {
  host.events.push({ at: event.at ?? new Date().toISOString(), ...event });
  const count: Record<EventKind, number> = { chatty: 0, conflict: 0, kept: 0 };
  for (const e of host.events) count[kindOf(e.type)]++;
  const drop: Record<EventKind, number> = {
    chatty: Math.max(0, count.chatty - CAPS.chatty),
    conflict: Math.max(0, count.conflict - CAPS.conflict),
    kept: Math.max(0, count.kept - CAPS.kept),
  };
  if (drop.chatty + drop.conflict + drop.kept === 0) return;
  // Drop the oldest of whichever kind is over its cap; the order of what stays is unchanged.
  host.events = host.events.filter((e) => drop[kindOf(e.type)]-- <= 0);
}
