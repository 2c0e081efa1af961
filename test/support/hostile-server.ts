// The real service for the hostile-input tests (test/security/, test/faults/fuzz-long.test.ts): like
// startTestServer, plus what those tests need — a private copy of the templates folder (fuzzed saves
// must not touch kickstarts/), extra environment (no registration limit while fuzzing), and the
// server timeouts shortened so a slow client is seen cut off in a second rather than ten.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startWebServer, type RunningServer, type ServerTimeouts } from '../../src/server.js';
import { TEST_ADMIN_TOKEN } from './server.js';

export interface HostileServer {
  url: string;
  adminToken: string;
  templatesDir: string;
  running: RunningServer;
  /** Log lines at warn level and above, parsed (info would keep a line per fuzzed request). */
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startHostileServer(opts: { env?: Record<string, string>; timeouts?: Partial<ServerTimeouts> } = {}): Promise<HostileServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-hostile-data-'));
  const root = await mkdtemp(path.join(os.tmpdir(), 'kickstand-hostile-templates-'));
  // The templates folder one level down, so a traversal test has a parent to plant secrets in.
  const templatesDir = path.join(root, 'kickstarts');
  await cp(path.resolve('kickstarts'), templatesDir, { recursive: true });
  const config = loadConfig({
    PORT: '0',
    KICKSTAND_BIND: '127.0.0.1',
    KICKSTAND_DATA: dataDir,
    KICKSTAND_TEMPLATES: templatesDir,
    KICKSTAND_POLL_INTERVAL: '1',
    KICKSTAND_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    KICKSTAND_LOG_LEVEL: 'warn',
    ...opts.env,
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const running = await startWebServer(config, createLogger(config.logLevel, sink), opts.timeouts ? { timeouts: opts.timeouts } : {});
  return {
    url: running.url,
    adminToken: running.adminToken,
    templatesDir,
    running,
    logs,
    async stop() {
      await running.stop();
      await rm(dataDir, { recursive: true, force: true });
      await rm(root, { recursive: true, force: true });
    },
  };
}
