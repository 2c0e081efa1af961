import { describe, expect, it } from 'vitest';
import { Events, type KickstandEvent } from '../../src/events/events.js';
import { hostChanged } from '../../src/events/host-changed.js';
import type { Host } from '../../src/hosts/host.js';

function host(state: Host['state'], message: string): Host {
  return {
    id: 'h0000001',
    state,
    boot_mac: '02:00:00:00:00:01',
    macs: ['02:00:00:00:00:01'],
    token_hash: '',
    summary: {},
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    last_seen_at: '2026-01-01T00:00:00.000Z',
    last_seen_ip: '192.0.2.7',
    hostname: 'web-01',
    events: [{ at: '2026-01-01T00:00:00.000Z', type: state, actor: 'installer', message }],
  } as unknown as Host;
}

function recorder() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const log = {
    info: (obj: Record<string, unknown>, msg: string) => lines.push({ level: 'info', obj, msg }),
    warn: (obj: Record<string, unknown>, msg: string) => lines.push({ level: 'warn', obj, msg }),
  };
  const events = new Events();
  const heard: KickstandEvent[] = [];
  events.on((e) => heard.push(e));
  return { deps: { log, events } as never, lines, heard };
}

describe('hostChanged', () => {
  it('When an install fails, then the line is at warn with the hostname and message, and `failed` is emitted once durable', async () => {
    const { deps, lines, heard } = recorder();
    let commit!: () => void;
    const durable = new Promise<void>((r) => (commit = r));
    hostChanged(deps, { state: 'provisioning' }, host('failed', 'install failed: no disk'), { ip: '192.0.2.7' }, durable);
    expect(lines).toEqual([
      {
        level: 'warn',
        msg: 'host failed',
        obj: expect.objectContaining({ host: 'h0000001', hostname: 'web-01', message: 'install failed: no disk' }),
      },
    ]);
    await Promise.resolve();
    expect(heard).toEqual([]); // not durable yet: nothing announced
    commit();
    await durable;
    await Promise.resolve();
    expect(heard).toEqual([
      expect.objectContaining({
        kind: 'host',
        event: 'failed',
        from: 'provisioning',
        message: 'install failed: no disk',
        host: expect.objectContaining({ hostname: 'web-01' }),
      }),
    ]);
  });

  it('When the save fails, then nothing is announced', async () => {
    const { deps, heard } = recorder();
    const durable = Promise.reject(new Error('disk full'));
    hostChanged(deps, { state: 'discovered' }, host('assigned', 'assigned'), {}, durable);
    await durable.catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    expect(heard).toEqual([]);
  });

  it('When a host goes back to waiting, then it is logged at info and no webhook event exists for it', async () => {
    const { deps, lines, heard } = recorder();
    hostChanged(deps, { state: 'lost' }, host('discovered', 'polling again'), {}, Promise.resolve());
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'host state changed' });
    expect(heard).toEqual([]);
  });

  it('When a listener throws, then the others still hear and the emitter does not throw', () => {
    const errors: unknown[] = [];
    const events = new Events({ error: (o: unknown) => errors.push(o) });
    const heard: string[] = [];
    events.on(() => {
      throw new Error('receiver bug');
    });
    events.on((e) => heard.push(e.kind));
    events.emit({ kind: 'callback', stage: 'pre' });
    expect(heard).toEqual(['callback']);
    expect(errors).toHaveLength(1);
  });
});
