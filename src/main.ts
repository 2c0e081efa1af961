#!/usr/bin/env -S node --no-memory-reducer
// CLI entry: `kickstand serve` (the default), `user …`, `product-img …`, `boot-config …`, `discovery-image build …`,
// `data check|export|import`.
// argv → one function call. Each command's modules load only when it runs: `product-img build` must
// not pay for express, nunjucks and every JSON Schema compile (the benchmark measures it).
import { messageOf, UsageError } from './errors.js';
import { redactUrl } from './store/postgres/redact.js';

// Every file the service or a command makes is its user's alone (the data dir holds password hashes,
// tokens and the key to sealed params); the store also sets modes itself (store/file/file-modes.ts).
process.umask(0o077);

// Errors a person caused: their message is the whole story (exit 1), or a usage line (exit 2).
const EXPECTED = new Set([
  'ConfigError',
  'StoreOpenError',
  'DataDirBusy',
  'ServiceApiError',
  'DiskWriteError',
  'AppError',
  'InstallersFileError',
  'ProductImgError',
  'SecretKeyError',
  'DataMoveError',
  'DiscoveryImageError',
]);

async function serve(): Promise<void> {
  const [{ loadConfig }, { createLogger }, { startWebServer }, { missingNodeFlags }] = await Promise.all([
    import('./config.js'),
    import('./log.js'),
    import('./server.js'),
    import('./node-flags.js'),
  ]);
  const config = loadConfig();
  const log = createLogger(config.logLevel, undefined, config.logFormat);
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
  // Handlers first: whoever waits for "listening" (a supervisor, a test) may stop us right after it.
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    void running.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  log.info(
    {
      url: running.url,
      bind: config.bind,
      port: running.port,
      data: config.dataDir,
      store: config.databaseUrl ? redactUrl(config.databaseUrl) : 'file',
      templates: config.templatesDir,
    },
    'kickstand listening',
  );
  const missing = missingNodeFlags();
  if (missing.length)
    log.warn(
      { missing },
      'started without the node flags Kickstand runs with: polls after an idle spell will be slower (docs/performance.md, "The idle process")',
    );
}

const [command = 'serve', ...rest] = process.argv.slice(2);
const commands: Record<string, () => Promise<void>> = {
  serve,
  user: async () => (await import('./cli/user.js')).userCommand(rest),
  hosts: async () => (await import('./cli/hosts.js')).hostsCommand(rest),
  'product-img': async () => (await import('./cli/product-img.js')).productImgCommand(rest),
  'boot-config': async () => (await import('./cli/boot-config.js')).bootConfigCommand(rest),
  'discovery-image': async () => (await import('./cli/discovery-image.js')).discoveryImageCommand(rest),
  data: async () => {
    await (await import('./cli/data.js')).dataCommand(rest);
  },
};
const run = commands[command];
if (!run) {
  process.stderr.write(
    `kickstand: unknown command "${command}"\nusage: kickstand serve | user … | hosts import|export … | product-img build|inspect … | boot-config --format … | discovery-image build … | data check|export|import …\n`,
  );
  process.exit(2);
}
run().catch((err: unknown) => {
  const name = err instanceof Error ? err.name : '';
  if (err instanceof UsageError) {
    process.stderr.write(`kickstand: ${err.message}\n`);
    process.exit(2);
  }
  if (EXPECTED.has(name)) process.stderr.write(`kickstand: ${messageOf(err)}\n`);
  else process.stderr.write(`kickstand: ${(err instanceof Error && err.stack) || String(err)}\n`);
  process.exit(1);
});
