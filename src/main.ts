#!/usr/bin/env node
// CLI entry: `kickstand serve` (the default). Other commands (product-img, boot-config, user) land
// with their issues. argv → one function call.
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startWebServer } from './server.js';
import { StoreOpenError } from './store/lowdb-store.js';

async function serve(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const running = await startWebServer(config, log);
  if (running.adminTokenGenerated) {
    // Printed once, on stdout rather than through the structured log, so it never lands in log storage.
    process.stdout.write(
      `\nKickstand generated an admin API token (kept in ${config.dataDir}/admin-token):\n\n  ${running.adminToken}\n\n`,
    );
  }
  if (running.adminPasswordGenerated) {
    process.stdout.write(`Kickstand created the user "admin" with the password:\n\n  ${running.adminPasswordGenerated}\n\n`);
  }
  log.info({ url: running.url, bind: config.bind, port: running.port, data: config.dataDir, templates: config.templatesDir }, 'kickstand listening');
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    void running.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

const [command = 'serve'] = process.argv.slice(2);
const commands: Record<string, () => Promise<void>> = { serve };
const run = commands[command];
if (!run) {
  process.stderr.write(`kickstand: unknown command "${command}"\nusage: kickstand serve\n`);
  process.exit(2);
}
run().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof StoreOpenError) process.stderr.write(`kickstand: ${err.message}\n`);
  else process.stderr.write(`kickstand: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
