// The real service for the hostile-input tests (test/security/, test/faults/fuzz-long.test.ts):
// startTestServer, plus what those tests need — a private copy of the templates folder (fuzzed saves
// must not touch kickstarts/), logs at warn level (info would keep a line per fuzzed request), extra
// environment (no registration limit while fuzzing), the server timeouts shortened so a slow client is
// seen cut off in a second rather than ten, and every folder removed at stop().
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ServerTimeouts } from '../../src/server.js';
import { FakeBmcs } from './fake-bmc.js';
import { startTestServer, type TestServer } from './server.js';

export async function startHostileServer(
  opts: { env?: Record<string, string>; timeouts?: Partial<ServerTimeouts> } = {},
): Promise<TestServer & { bmcs: FakeBmcs }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-hostile-data-'));
  const root = await mkdtemp(path.join(os.tmpdir(), 'kickstand-hostile-templates-'));
  // The templates folder one level down, so a traversal test has a parent to plant secrets in.
  const templatesDir = path.join(root, 'kickstarts');
  await cp(path.resolve('kickstarts'), templatesDir, { recursive: true });
  // Simulated BMCs: the power routes reach a machine (test/support/fuzz-harness.ts gives hosts one).
  const bmcs = new FakeBmcs();
  const srv = await startTestServer({ dataDir, templatesDir, logLevel: 'warn', bmcDrivers: bmcs.drivers(), ...opts });
  return {
    ...srv,
    bmcs,
    async stop() {
      await srv.stop();
      await rm(dataDir, { recursive: true, force: true });
      await rm(root, { recursive: true, force: true });
    },
  };
}
