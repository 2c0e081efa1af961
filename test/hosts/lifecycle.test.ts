// The state machine, every transition from every state: the matrix below is written out by hand from
// the issue (docs/architecture.md#host-lifecycle), not derived from the code's table.
import { describe, expect, it } from 'vitest';
import type { Host, HostState } from '../../src/hosts/host.js';
import { allowed, transition, type Transition } from '../../src/hosts/lifecycle.js';
import { AppError } from '../../src/errors.js';

const STATES: HostState[] = ['discovered', 'assigned', 'provisioning', 'installed', 'failed', 'lost'];

// transition → { from state: resulting state } ; a state not listed must be refused.
const EXPECTED: Record<Transition, Partial<Record<HostState, HostState>>> = {
  assign: { discovered: 'assigned', assigned: 'assigned', failed: 'assigned', lost: 'assigned' },
  deliver: { assigned: 'provisioning' },
  installing: { provisioning: 'provisioning' },
  installed: { provisioning: 'installed' },
  failed: { provisioning: 'failed' },
  reset: { assigned: 'discovered', provisioning: 'discovered', failed: 'discovered', lost: 'discovered' },
  reprovision: { installed: 'discovered' },
  lose: { discovered: 'lost' },
  'come-back': { lost: 'discovered' },
  'rediscover-after-reboot': { provisioning: 'discovered' },
  'rediscover-unfinished': { provisioning: 'failed' },
};

function host(state: HostState): Host {
  return {
    id: 'h1',
    state,
    boot_mac: '52:54:00:00:00:01',
    macs: [],
    token_hash: 'x',
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    last_seen_at: '2026-01-01T00:00:00.000Z',
    events: [],
    summary: { disk_count: 0, disk_total_bytes: 0, nic_count: 0, kexec: false },
  };
}

describe('host lifecycle', () => {
  for (const [t, outcomes] of Object.entries(EXPECTED) as [Transition, Partial<Record<HostState, HostState>>][]) {
    for (const from of STATES) {
      const to = outcomes[from];
      if (to) {
        it(`When "${t}" happens to a ${from} host, then it is ${to}, with one timeline event naming actor and IP`, () => {
          const next = transition(host(from), t, { actor: 'alice', ip: '192.0.2.7', message: 'because' });
          expect(next.state).toBe(to);
          expect(next.events).toEqual([expect.objectContaining({ type: t, actor: 'alice', ip: '192.0.2.7', message: 'because' })]);
          expect(allowed(from, t)).toBe(true);
        });
      } else {
        it(`When "${t}" is asked of a ${from} host, then it is refused with INVALID_TRANSITION naming the state`, () => {
          const before = host(from);
          let err: unknown;
          try {
            transition(before, t, { actor: 'alice', ip: '192.0.2.7', message: 'x' });
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(AppError);
          expect(err).toMatchObject({ code: 'INVALID_TRANSITION', status: 409, field: 'state' });
          expect((err as Error).message).toContain(`is ${from}`);
          expect(before.events).toEqual([]);
          expect(allowed(from, t)).toBe(false);
        });
      }
    }
  }
});
