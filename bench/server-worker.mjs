// The service under test, in its own process (the load generator must not share its event loop):
// the built Kickstand (dist/), logging at its default level (info) into /dev/null — the cost of a log line is
// measured, not the disk it would go to — and an event-loop delay monitor the benchmark reads over IPC.
// On request, the bare answer (bare-server.mjs) beside it on a port of its own: the baseline's code in
// the service's process, after everything the service has served (docs/performance.md, "The process
// floor").
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { bareServer } from './bare-server.mjs';
import { loadConfig } from '../dist/config.js';
import { createLogger } from '../dist/log.js';
import { startWebServer } from '../dist/server.js';

const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
const running = await startWebServer(loadConfig(process.env), createLogger(process.env.BENCH_LOG ?? 'info'));
process.send({ type: 'ready', url: running.url, uptimeMs: process.uptime() * 1000, rss: process.memoryUsage().rss });
/** The bare answer beside the service, started the first time it is asked for. */
let bare;
function startBare() {
  return new Promise((resolve) => {
    const answering = bareServer((url) => resolve({ ...answering, url }));
  });
}
process.on('message', async (m) => {
  if (m === 'reset') delay.reset();
  else if (m?.type === 'bare') {
    bare ??= startBare();
    const b = await bare;
    b.answer(m.status, m.headers, Buffer.from(m.body, 'base64'));
    b.variant(m.variant);
    process.send({ type: 'bare', url: b.url });
  } else if (m === 'stats') {
    global.gc?.();
    process.send({
      type: 'stats',
      delayMaxMs: delay.max / 1e6,
      delayP99Ms: delay.percentile(99) / 1e6,
      rss: process.memoryUsage().rss,
      heapUsed: process.memoryUsage().heapUsed,
    });
  } else if (m === 'stop') {
    const b = await bare;
    b?.server.closeAllConnections();
    b?.server.close();
    await running.stop();
    process.exit(0);
  }
});
