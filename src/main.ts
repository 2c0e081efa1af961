#!/usr/bin/env node
// CLI entry: `kickstand serve` (the default), `user …`, `product-img …`, `boot-config …`.
// argv → one function call.
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startWebServer } from './server.js';
import { StoreOpenError } from './store/lowdb-store.js';
import { DataDirBusy } from './store/data-lock.js';
import { AppError } from './errors.js';
import { userCommand, UsageError } from './cli/user.js';
import { InstallersFileError } from './installers/config-file.js';
import { productImgCommand, ProductImgUsageError } from './cli/product-img.js';
import { bootConfigCommand, BootConfigUsageError } from './cli/boot-config.js';
import { ProductImgError } from './product-img/errors.js';

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

const [command = 'serve', ...rest] = process.argv.slice(2);
const commands: Record<string, () => Promise<void>> = { serve, user: () => userCommand(rest), 'product-img': () => productImgCommand(rest), 'boot-config': () => bootConfigCommand(rest) };
const run = commands[command];
if (!run) {
  process.stderr.write(`kickstand: unknown command "${command}"\nusage: kickstand serve | user … | product-img build|inspect … | boot-config --format …\n`);
  process.exit(2);
}
run().catch((err: unknown) => {
  if (err instanceof UsageError || err instanceof ProductImgUsageError || err instanceof BootConfigUsageError) {
    process.stderr.write(`kickstand: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof ConfigError || err instanceof StoreOpenError || err instanceof DataDirBusy || err instanceof AppError || err instanceof InstallersFileError || err instanceof ProductImgError) process.stderr.write(`kickstand: ${err.message}\n`);
  else process.stderr.write(`kickstand: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
