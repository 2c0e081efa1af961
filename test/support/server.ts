// Starts the real service on 127.0.0.1 for tests: temp data dir, silent logs (kept in memory so a
// test can search them), port 0 unless a test needs to restart on the same port.
import { mkdtemp, rm } from 'node:fs/promises';
import { afterAll } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import type { BmcDrivers } from '../../src/bmc/driver.js';
import { startWebServer, type RunningServer, type ServerTimeouts } from '../../src/server.js';

export interface TestServer {
  url: string;
  port: number;
  adminToken: string;
  dataDir: string;
  templatesDir: string;
  running: RunningServer;
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface TestServerOptions {
  port?: number;
  dataDir?: string;
  templatesDir?: string;
  pollInterval?: number;
  adminToken?: string;
  publicUrl?: string;
  logLevel?: string;
  /** More environment, over the above (KICKSTAND_REGISTER_LIMIT and the like). */
  env?: Record<string, string>;
  /** Server timeouts in place of the service's own (a slow client cut off in a second). */
  timeouts?: Partial<ServerTimeouts>;
  /** BMC drivers in place of ipmitool and Redfish (test/support/fake-bmc.ts). */
  bmcDrivers?: BmcDrivers;
}

// Data dirs outlive stop() so a test can restart on them; they go when the test file is done.
const created: string[] = [];
afterAll(async () => {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  let dataDir = opts.dataDir;
  if (!dataDir) created.push((dataDir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-test-'))));
  const templatesDir = opts.templatesDir ?? path.resolve('kickstarts');
  const env: NodeJS.ProcessEnv = {
    PORT: String(opts.port ?? 0),
    KICKSTAND_BIND: '127.0.0.1',
    KICKSTAND_DATA: dataDir,
    KICKSTAND_TEMPLATES: templatesDir,
    KICKSTAND_POLL_INTERVAL: String(opts.pollInterval ?? 1),
    KICKSTAND_ADMIN_TOKEN: opts.adminToken ?? TEST_ADMIN_TOKEN,
    KICKSTAND_LOG_LEVEL: opts.logLevel ?? 'info',
    ...(opts.publicUrl ? { KICKSTAND_URL: opts.publicUrl } : {}),
    ...opts.env,
  };
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config = loadConfig(env);
  const running = await startWebServer(config, createLogger(config.logLevel, sink), {
    ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
    ...(opts.bmcDrivers ? { bmcDrivers: opts.bmcDrivers } : {}),
  });
  return {
    url: running.url,
    port: running.port,
    adminToken: running.adminToken,
    dataDir,
    templatesDir,
    running,
    logs,
    stop: () => running.stop(),
  };
}
