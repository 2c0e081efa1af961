// Environment → validated Config. Every bad value is reported at start with the variable's name,
// all at once, so an operator fixes a unit file in one go rather than one restart per typo.
import path from 'node:path';
import { parseCidr } from './util/cidr.js';

export interface Config {
  /** TCP port to listen on (PORT, default 8080; 0 picks a free port, used by tests). */
  port: number;
  /** Address to bind (KICKSTAND_BIND, default 0.0.0.0: machines reach us over the provisioning network). */
  bind: string;
  /** Folder of the lowdb data file and per-host facts (KICKSTAND_DATA, default ./data). */
  dataDir: string;
  /** Folder of kickstart templates (KICKSTAND_TEMPLATES, default ./kickstarts). */
  templatesDir: string;
  /** Base URL machines use to reach us (KICKSTAND_URL); undefined = derived from each request. */
  publicUrl: string | undefined;
  /** Admin API bearer token (KICKSTAND_ADMIN_TOKEN); undefined = generated and kept in the data dir. */
  adminToken: string | undefined;
  /** Password of the first admin user (KICKSTAND_ADMIN_PASSWORD); undefined = generated, printed once. */
  adminPassword: string | undefined;
  /** Seconds a waiting machine sleeps between polls (KICKSTAND_POLL_INTERVAL, default 5). */
  pollInterval: number;
  /** Hours a host token keeps working after its answer was delivered (KICKSTAND_TOKEN_TTL, default 24). */
  tokenTtlHours: number;
  /** Minutes without a poll after which a waiting host is marked lost (KICKSTAND_LOST_AFTER, default 30). */
  lostAfterMinutes: number;
  /** Registrations (POST /api/v1/discovery) per minute from one client IP, with a burst of as many
   *  (KICKSTAND_REGISTER_LIMIT, default 120; 0 = no limit). Polls are never limited. */
  registerLimit: number;
  /** Stub fetches (GET /ks) per minute from one client IP that are noted on a host's timeline, with a
   *  burst of as many (KICKSTAND_KS_LIMIT, default 120; 0 = no limit). Over it the stub is still
   *  served, at once: only the sighting is skipped (dracut must never see a refusal). */
  ksLimit: number;
  /** Minutes the original token of a host in an identity conflict must have been silent before the
   *  newcomer's claim is released by itself (KICKSTAND_CONFLICT_RELEASE_AFTER, default 0 = never:
   *  an operator decides). Trade-off in docs/discovery.md#identity-conflicts. */
  conflictReleaseAfterMinutes: number;
  /** pino level (KICKSTAND_LOG_LEVEL, default info). */
  logLevel: string;
  /** How log lines look (KICKSTAND_LOG_FORMAT): `json`, one pino object a line, for machines and log
   *  storage; `pretty`, coloured one-liners for a person at a terminal. Default: pretty when stdout is a
   *  terminal, else json (a unit under systemd or a container is not a terminal). */
  logFormat: LogFormat;
  /** Serve the Prometheus endpoint GET /metrics (KICKSTAND_METRICS=on|off, default on; off = 404). */
  metrics: boolean;
  /** When set, GET /metrics asks for `Authorization: Bearer <it>` (KICKSTAND_METRICS_TOKEN, default
   *  unset: open on the service port, the Prometheus convention). A secret, but a small one: it guards
   *  counters only, never hosts, and is not the admin token so a scraper never holds an admin's key. */
  metricsToken: string | undefined;
  /** JSON file of installer sources (KICKSTAND_INSTALLERS); optional, more can be added through the API. */
  installersFile: string | undefined;
  /** The product.img overlay served at /images/product.img, /updates.img and in tree mode
   *  (KICKSTAND_PRODUCT_IMG, default <data>/product.img; absent = 404). */
  productImg: string;
  /** Folder of the dracut discovery image, served at /discovery/vmlinuz and /discovery/initrd.img
   *  (KICKSTAND_DISCOVERY_IMAGE_DIR, default <data>/discovery; `kickstand discovery-image build -o`
   *  writes it; absent files = 404). */
  discoveryImageDir: string;
  /** PostgreSQL instead of the embedded file store (KICKSTAND_DATABASE_URL=postgres://…): several
   *  instances share one database (docs/scale-out.md). A secret (it may hold a password). */
  databaseUrl?: string;
  /** How long a webhook receiver may take to answer one delivery, in ms (KICKSTAND_WEBHOOK_TIMEOUT_MS,
   *  default 5000). */
  webhookTimeoutMs: number;
  /** The wait before a failed delivery's first retry, in ms, doubled at each further one
   *  (KICKSTAND_WEBHOOK_RETRY_MS, default 1000: retries after 1, 2, 4 and 8 s). */
  webhookRetryMs: number;
  /** BMC operations running at once, over every BMC (KICKSTAND_BMC_CONCURRENCY, default 20); one BMC
   *  never runs two at once (docs/bmc.md#the-job-queue). */
  bmcConcurrency: number;
  /** How long one BMC operation may take, in ms, before it fails as a timeout (KICKSTAND_BMC_TIMEOUT_MS,
   *  default 30000). */
  bmcTimeoutMs: number;
  /** Retries of an operation that found the BMC unreachable or timed out (KICKSTAND_BMC_RETRIES,
   *  default 2); a wrong password or a refused action is never retried. */
  bmcRetries: number;
  /** Seconds between background power-state checks of one host (KICKSTAND_BMC_REFRESH, default 300;
   *  0: never). */
  bmcRefreshSeconds: number;
  /** Networks (CIDR) a BMC address the %pre reports is taken from automatically
   *  (KICKSTAND_BMC_NETWORKS=10.1.0.0/16,…; default none: reported addresses wait for an operator).
   *  A machine can report any address, and credentials go to it. */
  bmcNetworks: string[];
  /** The ipmitool binary (KICKSTAND_IPMITOOL, default "ipmitool" on PATH). */
  ipmitool: string;
  /** Seconds the discovery %pre listens for LLDP neighbours (KICKSTAND_LLDP_WAIT, default 35: switches
   *  send every 30 s by default; 0 = off). Rendered into the stub (docs/discovery.md#lldp). */
  lldpWait: number;
}

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The environment variables that hold secrets. */
export const SECRET_VARIABLES = [
  'KICKSTAND_ADMIN_TOKEN',
  'KICKSTAND_ADMIN_PASSWORD',
  'KICKSTAND_USER_PASSWORD',
  'KICKSTAND_DATABASE_URL',
  'KICKSTAND_METRICS_TOKEN',
] as const;

/** Read a secret and remove it from process.env: whatever reads the environment later (a template
 *  that got out of its sandbox, a dependency, a child process that inherits it) finds nothing
 *  (issue 13). An environment object a caller passes (tests) is left as it is. */
export function takeSecret(env: NodeJS.ProcessEnv, name: (typeof SECRET_VARIABLES)[number]): string | undefined {
  const value = env[name] || undefined;
  if (env === process.env) delete process.env[name];
  return value;
}

/** `stdoutIsTty` picks the default log format (tests pass it; the service asks its stdout, whose isTTY is
 *  undefined rather than false off a terminal). */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  stdoutIsTty: boolean = process.stdout.isTTY && true,
): Config {
  const problems: string[] = [];
  const int = (name: string, dflt: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return dflt;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
      problems.push(`${name}="${raw}": must be a whole number from ${min} to ${max}`);
      return dflt;
    }
    return n;
  };

  const port = int('PORT', 8080, 0, 65535);
  const pollInterval = int('KICKSTAND_POLL_INTERVAL', 5, 1, 3600);
  const tokenTtlHours = int('KICKSTAND_TOKEN_TTL', 24, 1, 24 * 30);
  const lostAfterMinutes = int('KICKSTAND_LOST_AFTER', 30, 1, 7 * 24 * 60);
  const registerLimit = int('KICKSTAND_REGISTER_LIMIT', 120, 0, 1_000_000);
  const ksLimit = int('KICKSTAND_KS_LIMIT', 120, 0, 1_000_000);
  const conflictReleaseAfterMinutes = int('KICKSTAND_CONFLICT_RELEASE_AFTER', 0, 0, 7 * 24 * 60);
  const webhookTimeoutMs = int('KICKSTAND_WEBHOOK_TIMEOUT_MS', 5000, 1, 60_000);
  const webhookRetryMs = int('KICKSTAND_WEBHOOK_RETRY_MS', 1000, 1, 600_000);
  const bmcConcurrency = int('KICKSTAND_BMC_CONCURRENCY', 20, 1, 1000);
  const bmcTimeoutMs = int('KICKSTAND_BMC_TIMEOUT_MS', 30_000, 100, 600_000);
  const bmcRetries = int('KICKSTAND_BMC_RETRIES', 2, 0, 10);
  const bmcRefreshSeconds = int('KICKSTAND_BMC_REFRESH', 300, 0, 7 * 24 * 3600);
  const lldpWait = int('KICKSTAND_LLDP_WAIT', 35, 0, 600);
  const bmcNetworks = (env.KICKSTAND_BMC_NETWORKS ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  for (const network of bmcNetworks) {
    if (!parseCidr(network)) problems.push(`KICKSTAND_BMC_NETWORKS: "${network}" is not an IPv4 network such as 10.1.0.0/16`);
  }

  let publicUrl: string | undefined;
  const rawUrl = env.KICKSTAND_URL;
  if (rawUrl) {
    const checked = checkPublicUrl(rawUrl);
    if (typeof checked === 'string') publicUrl = checked;
    else problems.push(`KICKSTAND_URL="${rawUrl}": ${checked.problem}`);
  }

  const adminToken = takeSecret(env, 'KICKSTAND_ADMIN_TOKEN');
  if (adminToken !== undefined && !/^[\x21-\x7e]{16,256}$/.test(adminToken)) {
    // Never echo the value: it is a secret even when it is a bad one.
    problems.push('KICKSTAND_ADMIN_TOKEN: must be 16 to 256 printable characters without spaces');
  }

  const adminPassword = takeSecret(env, 'KICKSTAND_ADMIN_PASSWORD');
  if (adminPassword !== undefined && (adminPassword.length < 12 || adminPassword.length > 1024)) {
    problems.push('KICKSTAND_ADMIN_PASSWORD: must be 12 to 1024 characters');
  }

  const databaseUrl = takeSecret(env, 'KICKSTAND_DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    // Never echo it: it may hold a password.
    problems.push('KICKSTAND_DATABASE_URL: must be a postgres:// or postgresql:// URL');
  }

  const logLevel = env.KICKSTAND_LOG_LEVEL || 'info';
  if (!LEVELS.includes(logLevel)) problems.push(`KICKSTAND_LOG_LEVEL="${logLevel}": must be one of ${LEVELS.join(', ')}`);

  const rawFormat = env.KICKSTAND_LOG_FORMAT || (stdoutIsTty ? 'pretty' : 'json');
  const logFormat = (LOG_FORMATS as readonly string[]).includes(rawFormat) ? (rawFormat as LogFormat) : 'json';
  if (logFormat !== rawFormat) problems.push(`KICKSTAND_LOG_FORMAT="${rawFormat}": must be one of ${LOG_FORMATS.join(', ')}`);

  const rawMetrics = env.KICKSTAND_METRICS || 'on';
  if (rawMetrics !== 'on' && rawMetrics !== 'off') problems.push(`KICKSTAND_METRICS="${rawMetrics}": must be on or off`);
  const metricsToken = takeSecret(env, 'KICKSTAND_METRICS_TOKEN');
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,256}$/.test(metricsToken)) {
    // Never echo the value, as for the admin token.
    problems.push('KICKSTAND_METRICS_TOKEN: must be 16 to 256 printable characters without spaces');
  }

  const bind = env.KICKSTAND_BIND || '0.0.0.0';
  if (!/^[0-9A-Fa-f.:]+$|^localhost$/.test(bind)) problems.push(`KICKSTAND_BIND="${bind}": must be an IP address`);

  const dir = (name: string, dflt: string): string => {
    const raw = env[name] || dflt;
    if (raw.includes('\0')) problems.push(`${name}: contains a NUL byte`);
    return path.resolve(cwd, raw);
  };

  const dataDir = dir('KICKSTAND_DATA', './data');
  const config: Config = {
    port,
    bind,
    dataDir,
    templatesDir: dir('KICKSTAND_TEMPLATES', './kickstarts'),
    publicUrl,
    adminToken,
    adminPassword,
    pollInterval,
    tokenTtlHours,
    lostAfterMinutes,
    registerLimit,
    ksLimit,
    conflictReleaseAfterMinutes,
    webhookTimeoutMs,
    webhookRetryMs,
    bmcConcurrency,
    bmcTimeoutMs,
    bmcRetries,
    bmcRefreshSeconds,
    bmcNetworks,
    ipmitool: env.KICKSTAND_IPMITOOL || 'ipmitool',
    lldpWait,
    logLevel,
    logFormat,
    metrics: rawMetrics !== 'off',
    metricsToken,
    installersFile: env.KICKSTAND_INSTALLERS ? dir('KICKSTAND_INSTALLERS', '') : undefined,
    productImg: env.KICKSTAND_PRODUCT_IMG ? dir('KICKSTAND_PRODUCT_IMG', '') : path.join(dataDir, 'product.img'),
    discoveryImageDir: env.KICKSTAND_DISCOVERY_IMAGE_DIR ? dir('KICKSTAND_DISCOVERY_IMAGE_DIR', '') : path.join(dataDir, 'discovery'),
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** The base URL lands in the stub's shell and in every `next` URL the %pre parses without jq, so it
 *  must be a plain http(s) URL with no quotes, backslashes, spaces or query. Trailing slash dropped. */
export function checkPublicUrl(raw: string): string | { problem: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'not a URL (expected e.g. http://192.0.2.10:8080)' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'must start with http:// or https://' };
  if (url.search || url.hash || url.username || url.password) return { problem: 'must not carry a query, fragment or credentials' };
  if (/["'\\\s`$]/.test(raw)) return { problem: 'must not contain quotes, backslashes, spaces, ` or $' };
  return url.href.replace(/\/+$/, '');
}
