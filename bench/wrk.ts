// Throughput with wrk (Debian package `wrk`): a load generator in C whose cost per request is a small
// fraction of a Node server's. On a 2-core machine the load generator and the server share the
// machine; autocannon (Node) costs about as much per request as the server it loads, so it measured
// itself as much as the server. With wrk the server is the bottleneck, which is what a ratio against a
// baseline server must compare. Every request names a random host with its own token (polls.lua).
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

export interface WrkResult {
  requestsPerSecond: number;
  /** Answers that were not 2xx (wrk: "Non-2xx or 3xx responses"), and socket errors. */
  bad: number;
}

/** `hosts` go to a file the Lua script reads; each request polls one of them at random. */
export async function wrkPolls(
  url: string,
  hosts: { id: string; token: string }[],
  seconds: number,
  workDir: string,
  connections = 100,
): Promise<WrkResult> {
  const list = path.join(workDir, 'wrk-hosts.txt');
  writeFileSync(list, hosts.map((h) => `${h.id} ${h.token}\n`).join(''));
  let out: string;
  try {
    ({ stdout: out } = await run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', path.join(HERE, 'polls.lua'), url], {
      env: { ...process.env, KICKSTAND_BENCH_HOSTS: list },
    }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('wrk is not installed: apt-get install -y wrk', { cause: err });
    throw err;
  }
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) throw new Error(`wrk printed no Requests/sec:\n${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = errors ? errors.slice(1).reduce((n, x) => n + Number(x), 0) : 0;
  return { requestsPerSecond: Number(rps[1]), bad: non2xx + socketErrors };
}
