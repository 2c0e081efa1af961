// What every use case may reach, passed by argument (no module-level singletons), so a test can hand
// a use case a broken store or a temp templates folder.
import type { Config } from './config.js';
import type { KickstartEnvironment, RenderCache } from './kickstart/render/index.js';
import type { Logger } from './log.js';
import type { Store } from './store/store.js';
import type { Sightings } from './discovery/sightings.js';
import type { Lock } from './util/mutex.js';
import type { Installer } from './installers/installer.js';
import type { SecretBox } from './secrets/secret-box.js';
import type { TemplateSource } from './templates/source.js';
import type { Sessions } from './web/sessions.js';
import type { Limiters } from './util/limiters.js';
import type { Events } from './events/events.js';
import type { Metrics } from './metrics/metrics.js';
import type { Dispatcher } from './notifications/dispatcher.js';
import type { BmcDrivers } from './bmc/driver.js';
import type { BmcJobQueue } from './bmc/jobs/queue.js';

export interface Deps {
  config: Config;
  store: Store;
  kickstarts: KickstartEnvironment;
  log: Logger;
  /** Serialises find-then-save on hosts (identity, hostnames, rule limits and seq()); see util/mutex.ts.
   *  Across every instance when they share PostgreSQL (store/postgres/cluster-lock.ts). */
  hostsLock: Lock;
  /** Serialises template saves (read the history, put the text in service, append the version) and,
   *  with PostgreSQL, the import of the templates folder at the first start. */
  templatesLock: Lock;
  /** The text in service of each template: the templates folder, or with PostgreSQL the database
   *  (templates/source.ts). */
  templateSource: TemplateSource;
  sightings: Sightings;
  /** Installers from the KICKSTAND_INSTALLERS file (read-only; the API adds more in the store). */
  configInstallers: readonly Installer[];
  /** Kickstarts rendered for polls, reused while nothing they depend on changed. */
  renderCache: RenderCache;
  /** Hashes and seals secret params before they are stored; opens them for a render only. */
  secrets: SecretBox;
  /** The web forms' sessions: in this process, or in the database every instance shares. */
  sessions: Sessions;
  /** Where the rate limiters count (login throttling, KICKSTAND_REGISTER_LIMIT, KICKSTAND_KS_LIMIT): in
   *  this process, or in the database every instance shares. */
  limiters: Limiters;
  /** What happened (host events, counted signals), for webhooks and metrics (events/events.ts). */
  events: Events;
  /** This app's Prometheus metrics, counted from `events` (metrics/count-events.ts), served at /metrics. */
  metrics: Metrics;
  /** Webhook deliveries: queues, retries and the delivery log (notifications/dispatcher.ts). Listens
   *  to `events` only once started (server.ts): a CLI command sends nothing. */
  notifications: Dispatcher;
  /** How BMCs are spoken to, by driver name (bmc/drivers/): ipmitool and Redfish; tests swap in fakes. */
  bmcDrivers: BmcDrivers;
  /** Every BMC operation runs through it: per-BMC and global limits, timeouts, retries (bmc/jobs/). */
  bmcJobs: BmcJobQueue;
}
