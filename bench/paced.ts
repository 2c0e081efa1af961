// An open-loop load at a fixed, evenly spaced rate: what "p99 latency at a fixed 2,000 req/s" means.
// autocannon's overallRate lets each connection send its share of a second back to back when the
// second starts, so its latency figure includes a queue of its own making. Here a request is due every
// 1/rate seconds and its latency counts from when it was due, not from when it was sent: a server that
// stalls is charged for every request its stall delayed (no coordinated omission).
import http from 'node:http';

export interface PacedResult {
  sent: number;
  /** Answers that were not 2xx, and requests that failed outright. */
  bad: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export async function pacedLoad(
  url: string,
  rate: number,
  seconds: number,
  next: () => { path: string; headers: Record<string, string> },
  connections = 100,
): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  let done = 0;
  let bad = 0;
  let issued = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const finish = (i: number, due: number, ok: boolean) => {
      latencies[i] = performance.now() - due;
      if (!ok) bad++;
      if (++done === total) resolve();
    };
    const tick = setInterval(() => {
      const dueNow = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      for (; issued < dueNow; issued++) {
        const i = issued;
        const due = start + (i * 1000) / rate;
        const { path, headers } = next();
        const req = http.request({ host: target.hostname, port: target.port, path, headers, agent }, (res) => {
          res.resume();
          res.on('end', () => finish(i, due, res.statusCode! >= 200 && res.statusCode! < 300));
        });
        req.on('error', () => finish(i, due, false));
        req.end();
      }
      if (issued >= total) clearInterval(tick);
    }, 1);
  });
  agent.destroy();
  const sorted = latencies.sort();
  const at = (q: number) => sorted[Math.min(total - 1, Math.floor(q * total))]!;
  return { sent: total, bad, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[total - 1]! };
}
