// The timeline's caps (src/hosts/host.ts addEvent): chatty events — what anyone on the provisioning
// network can cause again and again — share a small cap and go first; everything else has its own.
import { describe, expect, it } from 'vitest';
import {
  addEvent,
  CHATTY_EVENTS,
  CONFLICT_EVENTS,
  MAX_CHATTY_EVENTS,
  MAX_CONFLICT_EVENTS,
  MAX_EVENTS,
  type Host,
} from '../../src/hosts/host.js';

function host(): Host {
  const now = new Date().toISOString();
  return {
    id: 'h1',
    state: 'discovered',
    boot_mac: '52:54:00:00:00:01',
    macs: [],
    token_hash: '',
    summary: { disk_count: 0, disk_total_bytes: 0, nic_count: 0, kexec: false },
    created_at: now,
    updated_at: now,
    last_seen_at: now,
    events: [],
  };
}

describe('the timeline caps', () => {
  it('When chatty events pile up between real ones, then only the oldest chatty ones go and the real ones keep their order', () => {
    const h = host();
    const real = [
      'discovered',
      'assigned',
      'delivered',
      'installing',
      'identity-conflict',
      'conflict-refused',
      'conflict-released',
      'failed',
      'reset',
      'render-failed',
    ];
    for (const type of real) {
      addEvent(h, { type, actor: 'admin', message: type });
      for (let i = 0; i < 50; i++)
        addEvent(h, { type: i % 2 ? 'stub-fetched' : 'rediscovered', actor: 'machine', message: `${type} ${i}` });
    }
    expect(h.events.filter((e) => !CHATTY_EVENTS.has(e.type)).map((e) => e.type)).toEqual(real);
    const chatty = h.events.filter((e) => CHATTY_EVENTS.has(e.type));
    expect(chatty).toHaveLength(MAX_CHATTY_EVENTS);
    expect(chatty.at(-1)!.message).toBe('render-failed 49');
    expect(h.events.at(-1)!.message).toBe('render-failed 49');
  });

  it('When real events exceed their own cap, then the oldest real ones go, never the recent chatty ones', () => {
    const h = host();
    addEvent(h, { type: 'stub-fetched', actor: 'machine', message: 'first fetch' });
    for (let i = 0; i < MAX_EVENTS + 30; i++) addEvent(h, { type: 'assigned', actor: 'admin', message: `a${i}` });
    expect(h.events).toHaveLength(MAX_EVENTS + 1);
    expect(h.events[0]!.message).toBe('first fetch');
    expect(h.events[1]!.message).toBe('a30');
  });

  it('When a claimant registers again and again, then its conflicts keep their own cap and the assignment and delivery stay', () => {
    const h = host();
    addEvent(h, { type: 'assigned', actor: 'admin', ip: '192.0.2.1', message: 'assigned by admin' });
    addEvent(h, { type: 'delivered', actor: 'machine', message: 'delivered' });
    for (let i = 0; i < 500; i++)
      addEvent(h, { type: i % 5 ? 'identity-conflict' : 'conflict-refused', actor: 'machine', message: `claim ${i}` });
    expect(h.events.filter((e) => !CONFLICT_EVENTS.has(e.type)).map((e) => e.type)).toEqual(['assigned', 'delivered']);
    expect(h.events.filter((e) => CONFLICT_EVENTS.has(e.type))).toHaveLength(MAX_CONFLICT_EVENTS);
    expect(h.events.at(-1)!.message).toBe('claim 499');
  });
});
