// What each event adds to which counter, without a server: the capped template label, the delivery's
// action read from the host, and the host events that count failures, losses and conflicts.
import { describe, expect, it } from 'vitest';
import { Events, type HostChange } from '../../src/events/events.js';
import type { Host } from '../../src/hosts/host.js';
import { countEvents } from '../../src/metrics/count-events.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { parse } from '../support/prometheus.js';

function setup(hosts: Record<string, Partial<Host>> = {}) {
  const events = new Events();
  const metrics = new Metrics(() => Promise.resolve(Object.values(hosts) as Host[]));
  const stop = countEvents(events, metrics, { get: (id: string) => Promise.resolve(hosts[id] as Host | undefined) });
  const read = async () => parse(await metrics.registry.metrics());
  return { events, metrics, read, stop };
}

const change = (event: HostChange['event'], id = 'h0000001'): HostChange => ({
  kind: 'host',
  event,
  at: '2026-01-01T00:00:00.000Z',
  from: null,
  host: { id, state: 'provisioning', boot_mac: '02:00:00:00:00:01' },
});

describe('countEvents', () => {
  it('When 25 templates fail to render, then the first 20 keep their name and the rest are counted as "other"', async () => {
    const { events, read } = setup();
    for (let i = 0; i < 25; i++) events.emit({ kind: 'render-error', template: `t${i}.ks.njk` });
    events.emit({ kind: 'render-error', template: 't3.ks.njk' });
    events.emit({ kind: 'render-error', template: 't24.ks.njk' });
    const m = await read();
    const series = m.families.get('kickstand_render_errors_total')!.metrics;
    expect(series).toHaveLength(21);
    expect(m.value('kickstand_render_errors_total', { template: 't3.ks.njk' })).toBe(2);
    expect(m.value('kickstand_render_errors_total', { template: 'other' })).toBe(6);
  });

  it('When hosts are delivered, failed, lost and in conflict, then each counter counts its own, the delivery by its action', async () => {
    const { events, read } = setup({
      a: { state: 'provisioning', assignment: { action: 'kexec' } as NonNullable<Host['assignment']> },
      b: { state: 'provisioning', assignment: { action: 'kickstart' } as NonNullable<Host['assignment']> },
    });
    events.emit(change('delivered', 'a'));
    events.emit(change('delivered', 'b'));
    events.emit(change('delivered', 'gone'));
    events.emit(change('failed'));
    events.emit(change('lost'));
    events.emit(change('lost'));
    events.emit(change('conflict'));
    events.emit(change('installed'));
    await new Promise((r) => setImmediate(r));
    const m = await read();
    expect(m.value('kickstand_deliveries_total', { action: 'kexec' })).toBe(1);
    expect(m.value('kickstand_deliveries_total', { action: 'kickstart' })).toBe(1);
    expect(m.value('kickstand_deliveries_total', { action: 'unknown' })).toBe(1);
    expect(m.value('kickstand_install_failures_total')).toBe(1);
    expect(m.value('kickstand_hosts_lost_total')).toBe(2);
    expect(m.value('kickstand_identity_conflicts_total')).toBe(1);
    expect(m.value('kickstand_hosts', { state: 'provisioning' })).toBe(2);
  });

  it('When the listener is stopped, then nothing more is counted', async () => {
    const { events, read, stop } = setup();
    events.emit({ kind: 'callback', stage: 'pre' });
    stop();
    events.emit({ kind: 'callback', stage: 'pre' });
    expect((await read()).value('kickstand_install_callbacks_total', { stage: 'pre' })).toBe(1);
  });
});

describe('the poll tally', () => {
  it('When polls are tallied, then the scrapes count each once by status and the histogram is cumulative with sum and count', async () => {
    const { metrics, read } = setup();
    for (const [status, seconds] of [
      [202, 0.00005],
      [202, 0.0003],
      [200, 0.002],
      [401, 3],
    ] as const)
      metrics.polls.answered(status, seconds);
    const first = await read();
    expect(first.value('kickstand_polls_total', { status: '202' })).toBe(2);
    expect(first.value('kickstand_polls_total', { status: '200' })).toBe(1);
    expect(first.value('kickstand_polls_total', { status: '401' })).toBe(1);
    const histogram = first.families.get('kickstand_poll_duration_seconds')!.metrics[0] as unknown as { buckets: Record<string, string> };
    expect(histogram.buckets).toMatchObject({ '0.0001': '1', '0.0005': '2', '0.0025': '3', '1': '3', '+Inf': '4' });
    expect(first.value('kickstand_poll_duration_seconds_count')).toBe(4);
    expect(first.value('kickstand_poll_duration_seconds_sum')).toBeCloseTo(3.00235, 6);
    expect(first.families.get('kickstand_poll_duration_seconds')?.type).toBe('HISTOGRAM');
    // A second scrape adds only what came since.
    metrics.polls.answered(202, 0.0001);
    const second = await read();
    expect(second.value('kickstand_polls_total', { status: '202' })).toBe(3);
    expect(second.value('kickstand_polls_total', { status: '401' })).toBe(1);
    expect(second.value('kickstand_poll_duration_seconds_count')).toBe(5);
  });
});
