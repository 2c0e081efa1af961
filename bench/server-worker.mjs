// The service under test, in its own process (the load generator must not share its event loop):
// the built Kickstand (dist/), logging at its default level (info) into /dev/null — the cost of a log line is
// measured, not the disk it would go to — and an event-loop delay monitor the benchmark reads over IPC.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../dist/config.js';
import { createLogger } from '../dist/log.js';
import { startWebServer } from '../dist/server.js';

const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
const running = await startWebServer(loadConfig(process.env), createLogger(process.env.BENCH_LOG ?? 'info'));
process.send({ type: 'ready', url: running.url, uptimeMs: process.uptime() * 1000, rss: process.memoryUsage().rss });
process.on('message', async (m) => {
  if (m === 'reset') delay.reset();
  else if (m === 'stats') {
    global.gc?.();
    process.send({
      type: 'stats',
      delayMaxMs: delay.max / 1e6,
      delayP99Ms: delay.percentile(99) / 1e6,
      rss: process.memoryUsage().rss,
      heapUsed: process.memoryUsage().heapUsed,
    });
  } else if (m === 'stop') {
    await running.stop();
    process.exit(0);
  }
});
