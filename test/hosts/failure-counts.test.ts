// The banner's counts: from the host list, reused for maxAgeMs, counted again at once after a host
// event. The clock is an argument: the tests move it rather than wait.
import { describe, expect, it } from 'vitest';
import { Events } from '../../src/events/events.js';
import { FailureCounter } from '../../src/hosts/failure-counts.js';
import type { Host } from '../../src/hosts/host.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';

const host = (id: string, state: Host['state']) =>
  ({
    id,
    state,
    boot_mac: `02:00:00:00:00:${id.slice(-2)}`,
    macs: [],
    events: [],
    last_seen_at: '2026-01-01T00:00:00.000Z',
  }) as unknown as Host;

function setup() {
  const store = new MemoryStore();
  const events = new Events();
  let now = 0;
  const counter = new FailureCounter({ store, events }, 1_000, () => now);
  return { store, events, counter, tick: (ms: number) => (now += ms) };
}

describe('failure counts', () => {
  it('When hosts are failed and lost, then both are counted; others are not', async () => {
    const { store, counter } = setup();
    for (const [id, state] of [
      ['h01', 'failed'],
      ['h02', 'failed'],
      ['h03', 'lost'],
      ['h04', 'installed'],
      ['h05', 'discovered'],
    ] as const)
      await store.hosts.save(host(id, state));
    expect(await counter.counts()).toEqual({ failed: 2, lost: 1 });
  });

  it('When a host changes without an event, then the count is reused until maxAgeMs, then counted again', async () => {
    const { store, counter, tick } = setup();
    await store.hosts.save(host('h01', 'failed'));
    expect(await counter.counts()).toEqual({ failed: 1, lost: 0 });
    await store.hosts.delete('h01'); // a delete sends no host event
    tick(999);
    expect(await counter.counts()).toEqual({ failed: 1, lost: 0 });
    tick(1);
    expect(await counter.counts()).toEqual({ failed: 0, lost: 0 });
  });

  it('When a host event is heard, then the next page counts again at once', async () => {
    const { store, events, counter } = setup();
    expect(await counter.counts()).toEqual({ failed: 0, lost: 0 });
    await store.hosts.save(host('h01', 'lost'));
    events.emit({
      kind: 'host',
      event: 'lost',
      at: '',
      from: 'discovered',
      host: { id: 'h01', state: 'lost', boot_mac: '02:00:00:00:00:01' },
    });
    expect(await counter.counts()).toEqual({ failed: 0, lost: 1 });
  });

  it('When a count is under way as an event arrives, then its result is not kept', async () => {
    const { store, events, counter } = setup();
    const before = counter.counts(); // reads the list now: no failure yet
    const saved = store.hosts.save(host('h01', 'failed')); // the memory store puts it in place at once
    events.emit({
      kind: 'host',
      event: 'failed',
      at: '',
      from: 'provisioning',
      host: { id: 'h01', state: 'failed', boot_mac: '02:00:00:00:00:01' },
    });
    await saved;
    expect(await before).toEqual({ failed: 0, lost: 0 });
    expect(await counter.counts()).toEqual({ failed: 1, lost: 0 });
  });
});
