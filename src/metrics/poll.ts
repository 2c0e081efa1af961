// A poll answered, by either writer (http/fast-poll.ts before express, the express route in
// http/discovery.ts): its time in the poll histogram and its status in the `poll` signal, which
// count-events.ts adds to kickstand_polls_total. The hot path of the service (docs/performance.md):
// one observe, one emit of a prebuilt signal, one counter increment.
import type { Deps } from '../deps.js';
import type { Signal } from '../events/events.js';

const signals = new Map<number, Signal>();

export function pollAnswered(deps: Pick<Deps, 'events' | 'metrics'>, startedNs: bigint, status: number): void {
  deps.metrics.pollDuration.observe(Number(process.hrtime.bigint() - startedNs) / 1e9);
  let signal = signals.get(status);
  if (!signal) signals.set(status, (signal = Object.freeze({ kind: 'poll', status })));
  deps.events.emit(signal);
}
