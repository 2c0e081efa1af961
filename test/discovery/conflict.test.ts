// The conflict rule on its own: which registrations may become a host, and what a release does.
import { describe, expect, it } from 'vitest';
import { claimReason, released, withClaim } from '../../src/discovery/conflict.js';
import type { Host, HostState } from '../../src/hosts/host.js';
import { hashToken } from '../../src/hosts/tokens.js';

const now = '2026-12-06T12:00:00.000Z';
function host(state: HostState, extra: Partial<Host> = {}): Host {
  return {
    id: 'h1',
    state,
    boot_mac: '52:54:00:00:00:01',
    macs: ['52:54:00:00:00:01'],
    token_hash: hashToken('original'),
    summary: { disk_count: 0, disk_total_bytes: 0, nic_count: 1, kexec: false },
    created_at: now,
    updated_at: now,
    last_seen_at: now,
    last_seen_ip: '192.0.2.1',
    events: [],
    ...extra,
  };
}

describe('claimReason', () => {
  it.each(['discovered', 'failed', 'lost'] as const)('When the host is %s, then a matching registration becomes it', (state) => {
    expect(claimReason(host(state), undefined)).toBeUndefined();
  });

  it.each(['assigned', 'provisioning', 'installed'] as const)(
    'When the host is %s, then a matching registration only claims it',
    (state) => {
      expect(claimReason(host(state, { assignment: { action: 'kickstart', template: 't', params: {} } }), undefined)).toBe(
        `the host is ${state}`,
      );
    },
  );

  it('When a provisioning host was told to reboot, then its return to discovery is a re-discovery', () => {
    expect(claimReason(host('provisioning', { assignment: { action: 'reboot' } }), undefined)).toBeUndefined();
  });

  it('When the host has a boot key, then only the right key makes the registration the host, in any state', () => {
    const keyed = host('discovered', { boot_key: 'k'.repeat(22) });
    expect(claimReason(keyed, undefined)).toMatch(/no boot key/);
    expect(claimReason(keyed, 'x'.repeat(22))).toMatch(/wrong boot key/);
    expect(claimReason(keyed, 'k'.repeat(22))).toBeUndefined();
    expect(claimReason({ ...keyed, state: 'assigned' }, 'k'.repeat(22))).toBeUndefined();
  });
});

describe('release', () => {
  const identity = { boot_mac: '52:54:00:00:00:99', macs: ['52:54:00:00:00:99'], uuid: '4c4c4544-0000-1111-2222-333344445555' };

  it('When a claimed host is released, then the claim is its token, it takes the newcomer’s MAC and UUID, and the conflict is gone', () => {
    const claimed = withClaim(
      host('assigned', { assignment: { action: 'reboot' } }),
      identity,
      'claim',
      '192.0.2.9',
      'uuid',
      'the host is assigned',
      now,
    );
    expect(claimed.boot_mac).toBe('52:54:00:00:00:01');
    const next = released(claimed, 'alice', '192.0.2.200', 'by alice');
    expect(next).toMatchObject({
      state: 'assigned',
      boot_mac: identity.boot_mac,
      uuid: identity.uuid,
      token_hash: hashToken('claim'),
      last_seen_ip: '192.0.2.9',
    });
    expect(next.conflict).toBeUndefined();
    expect(next.events.map((e) => e.type)).toEqual(['identity-conflict', 'conflict-released']);
  });

  it('When a provisioning host (kickstart delivered) is released, then it is failed: never the same answer by itself', () => {
    const claimed = withClaim(
      host('provisioning', { assignment: { action: 'kickstart', template: 't', params: {} } }),
      identity,
      'claim',
      '192.0.2.9',
      'boot_mac',
      'the host is provisioning',
      now,
    );
    expect(released(claimed, 'kickstand', '192.0.2.9', 'automatically').state).toBe('failed');
  });

  it('When a host without a conflict is released, then 404 naming the conflict', () => {
    expect(() => released(host('assigned'), 'alice', undefined, 'by alice')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND', field: 'conflict' }),
    );
  });
});
