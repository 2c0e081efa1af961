// The poll's fast path reads Authorization and Host from rawHeaders (src/http/raw-header.ts): it must
// read what node's req.headers would hold for them.
import { describe, expect, it } from 'vitest';
import { rawHeader } from '../../src/http/raw-header.js';

describe('rawHeader', () => {
  it('When the name is in any case, then it is found', () => {
    for (const name of ['Authorization', 'authorization', 'AUTHORIZATION', 'aUtHoRiZaTiOn'])
      expect(rawHeader(['Host', 'h', name, 'Bearer x'], 'authorization')).toBe('Bearer x');
  });

  it('When a header repeats, then the first wins, as node keeps it for Authorization and Host', () => {
    expect(rawHeader(['Authorization', 'Bearer first', 'Authorization', 'Bearer second'], 'authorization')).toBe('Bearer first');
  });

  it('When no header has the name, or one only looks like it, then there is none', () => {
    expect(rawHeader([], 'authorization')).toBeUndefined();
    expect(rawHeader(['Authorizations', 'x', 'Authorizatio', 'y', 'X-Authorization', 'z'], 'authorization')).toBeUndefined();
    // Token characters one bit away from a letter or '-' (| 0x20): none passes for one.
    expect(rawHeader(['x_host', 'a', 'x.host', 'b', 'x-host', 'c'], 'x-host')).toBe('c');
    expect(rawHeader(['@uthorization', 'x', '`uthorization', 'y'], 'authorization')).toBeUndefined();
  });
});
