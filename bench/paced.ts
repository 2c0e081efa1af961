// An open-loop load at a fixed, evenly spaced rate: what "p99 latency at an even 5,000 req/s" means.
// autocannon's overallRate lets each connection send its share of a second back to back when the
// second starts, so its latency figure includes a queue of its own making. Here a request is due every
// 1/rate seconds and its latency counts from when it was due, not from when it was sent: a server that
// stalls is charged for every request its stall delayed (no coordinated omission).
//
// The pace: a timer (setInterval(…, 1)) fires every ~1.1 ms at best and later when the loop is busy, so
// at 5,000/s it sent bursts of 5–10 requests, each charged the wait for its tick. The loop here is a
// setImmediate() spin instead: it checks the clock after every round of I/O callbacks and sends what is
// due, so a request leaves within a few microseconds of its time unless the loop itself is busy. It
// costs a core while it runs (as wrk does). How late requests left is returned (sendLag*), and the same
// load against the bare baseline server gives the generator's own floor: Kickstand's p99 is judged
// beside it.
import net from 'node:net';

export interface PacedResult {
  sent: number;
  /** Answers that were not 2xx, and requests that failed outright. */
  bad: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** How late requests were sent after they were due (ms): the generator's own lag. */
  sendLagP99: number;
  sendLagMax: number;
  /** Requests sent per second over the run, as achieved. */
  achievedRate: number;
}

/** One keep-alive connection, one request at a time; the answer is read as far as its end (by
 *  Content-Length, or a chunked body's last chunk) and its status kept. A connection the server closes
 *  (or that fails) is opened again; the request on it, if any, counts as failed (status 0). */
class Connection {
  private socket: net.Socket;
  private buffered: Buffer | undefined;
  private current: ((status: number) => void) | undefined;
  private closed = false;
  connected = false;
  /** In the pool's idle queue (an entry there may be stale: take() checks). */
  queued = false;

  constructor(
    private readonly port: number,
    private readonly onIdle: (c: Connection) => void,
  ) {
    this.socket = this.open();
  }

  get ready(): boolean {
    return this.connected && !this.current;
  }

  private open(): net.Socket {
    const socket = net.connect({ host: '127.0.0.1', port: this.port, noDelay: true });
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    const fail = () => {
      if (socket !== this.socket) return;
      const done = this.current;
      this.current = undefined;
      this.buffered = undefined;
      this.connected = false;
      if (!this.closed) this.socket = this.open();
      done?.(0);
    };
    socket.on('error', fail);
    socket.on('close', fail);
    socket.once('connect', () => {
      this.connected = true;
      this.onIdle(this);
    });
    return socket;
  }

  send(request: string, done: (status: number) => void): void {
    this.current = done;
    this.socket.write(request, 'latin1');
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    const buf = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    const head = buf.indexOf('\r\n\r\n');
    if (head < 0) {
      this.buffered = buf;
      return;
    }
    const header = buf.toString('latin1', 0, head).toLowerCase();
    const length = /\r\ncontent-length: *(\d+)/.exec(header);
    let end: number;
    if (length) end = head + 4 + Number(length[1]);
    else if (header.includes('transfer-encoding: chunked')) {
      const last = buf.indexOf('\r\n0\r\n\r\n', head);
      end = last < 0 ? Infinity : last + 7;
    } else end = head + 4;
    if (buf.length < end) {
      this.buffered = buf;
      return;
    }
    this.buffered = buf.length > end ? buf.subarray(end) : undefined;
    const status = Number(header.slice(9, 12));
    const done = this.current;
    this.current = undefined;
    done?.(status);
    if (this.ready) this.onIdle(this);
  }
}

export async function pacedLoad(
  url: string,
  rate: number,
  seconds: number,
  next: () => { path: string; headers: Record<string, string> },
  connections = 100,
): Promise<PacedResult> {
  const target = new URL(url);
  if (target.hostname !== '127.0.0.1') throw new Error(`paced: load only 127.0.0.1, not ${url}`);
  const host = `Host: 127.0.0.1:${target.port}\r\n`;
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  const lags = new Float64Array(total);
  // Requests due while every connection is busy wait here, their clock running.
  const waiting: { i: number; request: string }[] = [];
  // Idle connections, first in first out: each is used every connections/rate seconds, so none sits
  // idle past the server's keep-alive timeout (a connection the server closes costs a failed request).
  const idle: Connection[] = [];
  const answered = new Uint8Array(total);
  let done = 0;
  let bad = 0;
  let issued = 0;
  let finished!: () => void;
  const all = new Promise<void>((resolve) => (finished = resolve));
  const dispatch = (c: Connection, i: number, request: string) =>
    c.send(request, (status) => {
      latencies[i] = performance.now() - (start + (i * 1000) / rate);
      answered[i] = 1;
      if (status < 200 || status > 299) bad++;
      if (++done === total) finished();
    });
  const onIdle = (c: Connection) => {
    const w = waiting.shift();
    if (w) dispatch(c, w.i, w.request);
    else if (!c.queued) {
      c.queued = true;
      idle.push(c);
    }
  };
  const take = (): Connection | undefined => {
    for (let c = idle.shift(); c; c = idle.shift()) {
      c.queued = false;
      if (c.ready) return c;
    }
    return undefined;
  };
  const pool = Array.from({ length: connections }, () => new Connection(Number(target.port), onIdle));
  while (!pool.every((c) => c.connected)) await new Promise((r) => setTimeout(r, 5));
  const start = performance.now();
  let lastSent = start;
  const spin = () => {
    const dueNow = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    for (; issued < dueNow; issued++) {
      const { path, headers } = next();
      let request = `GET ${path} HTTP/1.1\r\n${host}`;
      for (const name in headers) request += `${name}: ${headers[name]}\r\n`;
      request += '\r\n';
      lags[issued] = performance.now() - (start + (issued * 1000) / rate);
      const c = take();
      if (c) dispatch(c, issued, request);
      else waiting.push({ i: issued, request });
    }
    lastSent = performance.now();
    if (issued < total) setImmediate(spin);
  };
  setImmediate(spin);
  // A request never answered (a lost connection the generator did not see) must not hang the bench:
  // 10 s after the run, what is missing counts as failed, its latency the time it has waited.
  let guard: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (guard = setTimeout(resolve, (seconds + 10) * 1000)));
  await Promise.race([all, deadline]);
  clearTimeout(guard);
  for (let i = 0; i < total; i++)
    if (!answered[i]) {
      latencies[i] = performance.now() - (start + (i * 1000) / rate);
      bad++;
    }
  for (const c of pool) c.close();
  const sorted = latencies.sort();
  const lag = lags.sort();
  const at = (xs: Float64Array, q: number) => xs[Math.min(total - 1, Math.floor(q * total))]!;
  return {
    sent: total,
    bad,
    p50: at(sorted, 0.5),
    p90: at(sorted, 0.9),
    p99: at(sorted, 0.99),
    max: sorted[total - 1]!,
    sendLagP99: at(lag, 0.99),
    sendLagMax: lag[total - 1]!,
    achievedRate: total / ((lastSent - start) / 1000),
  };
}
