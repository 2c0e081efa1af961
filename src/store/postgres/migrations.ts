// The PostgreSQL schema, as versioned migrations applied in order at start (migrate.ts). A migration is
// never edited once released: a change is a new one at the end. They live in code rather than in .sql
// files so the build carries them with it.
//
// Records are JSON (the same shape the file store keeps; json, not jsonb, so the API shows their fields
// in the order the code wrote them), with columns beside them for what is looked up or kept in order:
// hosts by boot MAC (unique: two instances registering one machine at once cannot both create it), DMI
// UUID, hostname and state; audit entries by kind, actor, target and action. Facts are JSONB
// with a GIN index, so a rule or a filter over facts can be answered by the database. Last-seen is on
// purpose in no index and the table keeps 20% of each page free: the once-a-second batch of polled
// hosts can then update rows in place (HOT) where the page has room, touching no index — the facts'
// GIN index least of all.
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'hosts, profiles, rules, settings, users, installers, audit, template history',
    sql: `
CREATE TABLE kickstand_meta (
  key   text PRIMARY KEY,
  value jsonb NOT NULL
);

CREATE TABLE hosts (
  id             text PRIMARY KEY,
  boot_mac       text NOT NULL,
  uuid           text,
  hostname       text,
  state          text NOT NULL,
  -- Also inside record; these two are what a poll's touch updates without rewriting the record.
  last_seen_at   text NOT NULL,
  last_seen_ip   text,
  record         json NOT NULL,
  facts          jsonb
) WITH (fillfactor = 80);
CREATE UNIQUE INDEX hosts_boot_mac ON hosts (boot_mac);
CREATE INDEX hosts_uuid ON hosts (uuid) WHERE uuid IS NOT NULL;
CREATE INDEX hosts_hostname ON hosts (lower(hostname)) WHERE hostname IS NOT NULL;
CREATE INDEX hosts_state ON hosts (state);
CREATE INDEX hosts_facts ON hosts USING gin (facts jsonb_path_ops);

-- Apart from hosts: a failed install may send its log before (or without) the row it belongs to.
CREATE TABLE install_logs (id text PRIMARY KEY, log text NOT NULL);

CREATE TABLE profiles   (name text PRIMARY KEY, record json NOT NULL);
CREATE TABLE rules      (name text PRIMARY KEY, record json NOT NULL);
CREATE TABLE installers (name text PRIMARY KEY, record json NOT NULL);
CREATE TABLE users      (name text PRIMARY KEY, record json NOT NULL);

CREATE TABLE audit (
  seq     bigserial PRIMARY KEY,
  kind    text NOT NULL,
  action  text NOT NULL,
  actor   text NOT NULL,
  target  text NOT NULL,
  entry   json NOT NULL
);
CREATE INDEX audit_kind ON audit (kind, seq);
CREATE INDEX audit_actor ON audit (actor, seq);
CREATE INDEX audit_target ON audit (target, seq);
CREATE INDEX audit_action ON audit (action text_pattern_ops, seq);

CREATE TABLE template_versions (
  name     text NOT NULL,
  version  integer NOT NULL,
  record   json NOT NULL,
  PRIMARY KEY (name, version)
);
`,
  },
  {
    version: 2,
    name: 'web sessions and the shared rate limits',
    sql: `
-- A session is found by the sha256 of its cookie: whoever reads this table cannot sign in with it.
CREATE TABLE sessions (
  id_hash     text PRIMARY KEY,
  record      jsonb NOT NULL,
  expires_at  bigint NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- rate-limiter-flexible's RateLimiterPostgres table layout (login throttling, registration limits).
CREATE TABLE rate_limits (
  key     varchar(255) PRIMARY KEY,
  points  integer NOT NULL DEFAULT 0,
  expire  bigint
);
`,
  },
  {
    version: 3,
    name: 'webhooks',
    sql: `
-- The secret inside record is sealed with secret.key (notifications/webhook.ts), like secret params.
CREATE TABLE webhooks (name text PRIMARY KEY, record json NOT NULL);
`,
  },
  {
    version: 4,
    name: 'bmc credentials',
    sql: `
-- BMC credential sets (bmc/credentials.ts): the password inside record is sealed with secret.key.
CREATE TABLE bmc_credentials (name text PRIMARY KEY, record json NOT NULL);
`,
  },
  {
    version: 5,
    name: 'expected hosts and tag definitions',
    sql: `
-- Expected hosts (expected-hosts/), keyed by their id; automatic tag definitions (tags/), by name.
CREATE TABLE expected_hosts (name text PRIMARY KEY, record json NOT NULL);
CREATE TABLE tag_definitions (name text PRIMARY KEY, record json NOT NULL);
`,
  },
];
