// Throughput with wrk (Debian package `wrk`): a load generator in C whose cost per request is a small
// fraction of a Node server's. On a 2-core machine the load generator and the server share the
// machine; autocannon (Node) costs about as much per request as the server it loads, so it measured
// itself as much as the server. With wrk the server is the bottleneck, which is what a ratio against a
// baseline server must compare. Every poll names a random host with its own token (polls.lua); every
// registration a machine never seen before (registrations.lua). wrk runs `threads` threads (default: one
// per instance); given several instances, thread i sends to instance i mod n (spread.lua), so each
// instance gets its share of the threads and connections. One instance with -t1 and -t2 shows whether
// wrk's own thread is the bottleneck.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { benchFacts } from './facts.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

export interface WrkResult {
  requestsPerSecond: number;
  /** Answers that were not 2xx (wrk: "Non-2xx or 3xx responses"), and socket errors. */
  bad: number;
  /** The same two apart. */
  non2xx: number;
  /** Connect, read and write errors, and timeouts (no answer within wrk's timeout). */
  socketErrors: number;
  /** Requests answered in all ("N requests in …"), for a cost per request. */
  requests: number;
  /** wrk's own CPU time (user + sys, all its threads) per request, µs: the load generator's cost. */
  wrkCpuUs: number;
}

export interface WrkOptions {
  /** Keep-alive connections in all (default 100 for polls, 64 for registrations). */
  connections?: number;
  /** wrk threads (default: one per target URL); at least the number of URLs, at most `connections`. */
  threads?: number;
}

/** `hosts` go to a file the Lua script reads; each request polls one of them at random. `urls`: one
 *  instance, or several (any instance answers any host's poll). */
export async function wrkPolls(
  urls: string | readonly string[],
  hosts: { id: string; token: string }[],
  seconds: number,
  workDir: string,
  { connections = 100, threads }: WrkOptions = {},
): Promise<WrkResult> {
  const list = path.join(workDir, 'wrk-hosts.txt');
  writeFileSync(list, hosts.map((h) => `${h.id} ${h.token}\n`).join(''));
  return wrk('polls.lua', urls, seconds, connections, threads, { KICKSTAND_BENCH_HOSTS: list });
}

/** Registrations of machines never seen before, `connections` at a time over `urls`, for `seconds`;
 *  wrk's timeout is raised to 10 s (a registration waits for its commit). */
export async function wrkRegistrations(
  urls: string | readonly string[],
  seconds: number,
  workDir: string,
  { connections = 64, threads }: WrkOptions = {},
): Promise<WrkResult> {
  // Machine 0xabcdef: its MACs hold "ab:cd:ef" and its DMI UUID "000000abcdef", which the script
  // replaces with each request's own number (machines 0 … 999,999 are left to registerMany()).
  const template = JSON.stringify(benchFacts(0xabcdef));
  if (!template.includes('"boot_mac":"02:4b:ab:cd:ef:00"') || !template.includes('-8033-000000abcdef"'))
    throw new Error('bench/facts.ts no longer spells machine 0xabcdef as registrations.lua expects');
  const file = path.join(workDir, 'wrk-facts.json');
  writeFileSync(file, template);
  return wrk('registrations.lua', urls, seconds, connections, threads, { KICKSTAND_BENCH_FACTS: file }, ['--timeout', '10s']);
}

async function wrk(
  script: string,
  urls: string | readonly string[],
  seconds: number,
  connections: number,
  threads: number | undefined,
  env: Record<string, string>,
  extra: string[] = [],
): Promise<WrkResult> {
  const targets = typeof urls === 'string' ? [urls] : urls;
  const t = threads ?? targets.length;
  if (t < targets.length || t > connections) throw new Error(`wrk: ${t} threads for ${targets.length} URLs and ${connections} connections`);
  for (const u of targets) if (new URL(u).hostname !== '127.0.0.1') throw new Error(`wrk: load only 127.0.0.1, not ${u}`);
  const ports = targets.map((u) => new URL(u).port).join(',');
  // Through bash, whose `times` prints its children's user and system time afterwards: wrk's own CPU.
  const shell = 'command -v wrk >/dev/null || exit 127; wrk "$@"; s=$?; times >&2; exit $s';
  const args = [`-t${t}`, `-c${connections}`, `-d${seconds}s`, ...extra, '-s', path.join(HERE, script), targets[0]!];
  const { stdout: out, stderr } = await run('bash', ['-c', shell, 'wrk', ...args], {
    env: { ...process.env, ...env, KICKSTAND_BENCH_LUA: HERE, KICKSTAND_BENCH_PORTS: ports },
  }).catch((err: unknown) => {
    if ((err as { code?: unknown }).code === 127) throw new Error('wrk is not installed: apt-get install -y wrk', { cause: err });
    throw err;
  });
  const times = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(stderr);
  const wrkCpuSeconds = times ? Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4]) : NaN;
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) throw new Error(`wrk printed no Requests/sec:\n${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = errors ? errors.slice(1).reduce((n, x) => n + Number(x), 0) : 0;
  const requests = Number(/(\d+) requests in /.exec(out)?.[1] ?? NaN);
  return {
    requestsPerSecond: Number(rps[1]),
    bad: non2xx + socketErrors,
    non2xx,
    socketErrors,
    requests,
    wrkCpuUs: (wrkCpuSeconds * 1e6) / requests,
  };
}
