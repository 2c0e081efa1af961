// The export document (`kickstand data export`): JSON Lines, so 100,000 hosts stream through in constant
// memory on both sides. Line 1 is the header, then one record a line, then the end record, whose counts
// tell a whole export from one cut short (a full disk, a broken pipe). Records are the stores' own
// objects, as the repositories hand them out: ids, token hashes, password hashes and sealed params as
// stored (webhook secrets and BMC credential passwords too: sealed; expected hosts' params as the
// import sealed them). A new layout is a new `version`; an import refuses a version it does not know.
import type { AuditEntry } from '../../audit/entry.js';
import type { User } from '../../auth/user.js';
import type { Facts } from '../../discovery/facts.js';
import type { Host } from '../../hosts/host.js';
import type { Installer } from '../../installers/installer.js';
import type { Webhook } from '../../notifications/webhook.js';
import type { BmcCredentialSet } from '../../bmc/bmc.js';
import type { ExpectedHost } from '../../expected-hosts/expected-host.js';
import type { TagDefinition } from '../../tags/tag.js';
import type { Profile } from '../../profiles/profile.js';
import type { Rule, Settings } from '../../rules/rule.js';
import type { TemplateVersion } from '../../templates/version.js';

export const EXPORT_FORMAT = 'kickstand-export';
export const EXPORT_VERSION = 1;

export const SEALED_NOTE =
  'secret params are exported sealed: the target data dir needs the secret.key of the source (copy it there before the import)';

export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exported_at: string;
  /** Where it was read: "the data dir /var/lib/kickstand" or "the database postgres://…" (no password). */
  source: string;
  /** secretKeyFingerprint() of the source's secret.key: the key the sealed params need. */
  secret_key_fingerprint: string;
  note: typeof SEALED_NOTE;
}

/** Every record, in the order an export writes them (audit entries oldest first). */
export type ExportRecord =
  | { type: 'settings'; settings: Settings }
  | { type: 'profile'; profile: Profile }
  | { type: 'rule'; rule: Rule }
  | { type: 'installer'; installer: Installer }
  | { type: 'webhook'; webhook: Webhook }
  | { type: 'bmc_credentials'; bmc_credentials: BmcCredentialSet }
  | { type: 'tag_definition'; tag_definition: TagDefinition }
  | { type: 'expected_host'; expected_host: ExpectedHost }
  | { type: 'user'; user: User }
  | { type: 'template_version'; version: TemplateVersion }
  | { type: 'host'; host: Host; facts?: Facts; install_log?: string }
  | { type: 'audit'; entry: AuditEntry };

export type RecordType = ExportRecord['type'];

export const RECORD_TYPES: readonly RecordType[] = [
  'settings',
  'profile',
  'rule',
  'installer',
  'webhook',
  'bmc_credentials',
  'tag_definition',
  'expected_host',
  'user',
  'template_version',
  'host',
  'audit',
];

export type ExportCounts = Record<RecordType, number>;

/** The last line. */
export interface ExportEnd {
  type: 'end';
  counts: ExportCounts;
}

export function noCounts(): ExportCounts {
  return {
    settings: 0,
    profile: 0,
    rule: 0,
    installer: 0,
    webhook: 0,
    bmc_credentials: 0,
    tag_definition: 0,
    expected_host: 0,
    user: 0,
    template_version: 0,
    host: 0,
    audit: 0,
  };
}

const WORDS: Record<RecordType, [string, string]> = {
  settings: ['settings', 'settings'],
  profile: ['profile', 'profiles'],
  rule: ['rule', 'rules'],
  installer: ['installer', 'installers'],
  webhook: ['webhook', 'webhooks'],
  bmc_credentials: ['BMC credential set', 'BMC credential sets'],
  tag_definition: ['tag definition', 'tag definitions'],
  expected_host: ['expected host', 'expected hosts'],
  user: ['user', 'users'],
  template_version: ['template version', 'template versions'],
  host: ['host', 'hosts'],
  audit: ['audit entry', 'audit entries'],
};

/** "3 hosts, 1 profile, …": what an export holds, as the CLI says it. */
export function describeCounts(counts: ExportCounts): string {
  return RECORD_TYPES.map((t) => `${counts[t]} ${WORDS[t][counts[t] === 1 ? 0 : 1]}`).join(', ');
}
