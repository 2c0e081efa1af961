// Start and stop the web server: build the deps (composition.ts), listen. Used by `kickstand serve`
// and by the tests (port 0, temp data dir).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { access, constants, mkdir, stat } from 'node:fs/promises';
import type { Express } from 'express';
import { createApp } from './app.js';
import { ConfigError, type Config } from './config.js';
import type { Deps } from './deps.js';
import { createDeps } from './composition.js';
import type { BmcDrivers } from './bmc/driver.js';
import type { Logger } from './log.js';

import { markLostHosts } from './hosts/lost.js';
import { PowerRefresher } from './bmc/power-refresh.js';
import { fastPoll } from './http/fast-poll.js';
import { expressBorn } from './http/express-born.js';
import { answerClientError } from './http/security-headers.js';
import path from 'node:path';
import { ADMIN_TOKEN_FILE, resolveAdminToken } from './admin-token.js';
import { ensureFirstAdmin } from './auth/users.js';
import { DIR_MODE } from './store/file/file-modes.js';
import { errnoOf } from './errors.js';

export interface RunningServer {
  url: string;
  /** The express app (tests enumerate its routes). */
  app: Express;
  port: number;
  deps: Deps;
  adminToken: string;
  adminTokenGenerated: boolean;
  /** The first admin's password when it was generated at this start (print it once). */
  adminPasswordGenerated: string | undefined;
  stop(): Promise<void>;
}

/** How long a client may take. Not configuration: tests shorten them to see a slow client cut off. */
export interface ServerTimeouts {
  headersMs: number;
  requestMs: number;
  keepAliveMs: number;
  /** How often Node looks for requests past those limits (its default, 30 s, would let a slow-loris
   *  client hold a socket up to 40 s instead of the 10 s promised). */
  checkEveryMs: number;
}

export const SERVER_TIMEOUTS: Readonly<ServerTimeouts> = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000, checkEveryMs: 1_000 };

export async function startWebServer(
  config: Config,
  log: Logger,
  options: { timeouts?: Partial<ServerTimeouts>; bmcDrivers?: BmcDrivers } = {},
): Promise<RunningServer> {
  const timeouts = { ...SERVER_TIMEOUTS, ...options.timeouts };
  await checkFolders(config);
  const deps = await createDeps(config, log, { lock: true, ...(options.bmcDrivers ? { bmcDrivers: options.bmcDrivers } : {}) });
  // The template watcher starts with the service, not with the first render (the getter builds it).
  deps.kickstarts.generation();
  const { token: adminToken, generated } = await resolveAdminToken(config.adminToken, config.dataDir);
  await deps.sameAcrossInstances(path.join(config.dataDir, ADMIN_TOKEN_FILE), adminToken).catch(async (err: unknown) => {
    await deps.close();
    throw err;
  });
  const adminPasswordGenerated = await ensureFirstAdmin(deps, config.adminPassword);

  const app = createApp(deps, adminToken);
  // The machines' poll route is answered before express (http/fast-poll.ts); the rest goes to express.
  // Both carry the security headers: the fast path writes them with its own in one writeHead (merging
  // headers set earlier is the slow path of node:http), express sets them in its first middleware, and
  // answerClientError adds them to Node's own parse-error answers.
  // Every request is made an express one from birth (http/express-born.ts): the polls run faster in a
  // process whose other requests have not each given node:http a new hidden class.
  const server: Server = createServer({ connectionsCheckingInterval: timeouts.checkEveryMs, ...expressBorn(app) }, (req, res) => {
    if (!fastPoll(deps, req, res)) app(req, res);
  });
  server.on('clientError', answerClientError);
  // A slow or stuck client must not hold a socket forever (provisioning networks see odd clients).
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = timeouts.requestMs;
  server.keepAliveTimeout = timeouts.keepAliveMs;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.bind, () => resolve());
    });
  } catch (err) {
    await deps.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  // Once a minute: waiting hosts that stopped polling become lost.
  const sweeper = setInterval(() => {
    markLostHosts(deps).catch((err: unknown) => log.error({ err }, 'lost-host sweep failed'));
  }, 60_000);
  sweeper.unref();
  // The hosts table's power column: each BMC asked at most once per KICKSTAND_BMC_REFRESH seconds.
  const powerRefresh = new PowerRefresher(deps);
  powerRefresh.start();
  // Webhooks hear host events from now on; stop() gives queued deliveries a moment to go out.
  deps.notifications.start();
  const host = config.bind === '0.0.0.0' || config.bind === '::' ? '127.0.0.1' : config.bind;

  return {
    app,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    deps,
    adminToken,
    adminTokenGenerated: generated,
    adminPasswordGenerated,
    async stop() {
      clearInterval(sweeper);
      powerRefresh.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await deps.notifications.stop();
      await deps.close();
    },
  };
}

/** Folders are checked at start, like the rest of the configuration: a typo in KICKSTAND_TEMPLATES
 *  should stop the service with its name, not serve every machine the emergency stub. */
async function checkFolders(config: Config): Promise<void> {
  const problems: string[] = [];
  try {
    // 0700 from the start: the folder holds password hashes and the key to sealed params.
    await mkdir(config.dataDir, { recursive: true, mode: DIR_MODE });
    await access(config.dataDir, constants.W_OK);
  } catch (err) {
    problems.push(`KICKSTAND_DATA="${config.dataDir}": cannot create or write it (${errnoOf(err) ?? String(err)})`);
  }
  const templates = await stat(config.templatesDir).catch(() => undefined);
  if (!templates?.isDirectory()) problems.push(`KICKSTAND_TEMPLATES="${config.templatesDir}": not a folder`);
  else if (!(await stat(`${config.templatesDir}/stub.ks.njk`).catch(() => undefined))) {
    problems.push(`KICKSTAND_TEMPLATES="${config.templatesDir}": has no stub.ks.njk`);
  }
  if (problems.length) throw new ConfigError(problems);
}
