// The poll's fast path reads its URL and its Authorization and Host headers with loops, not regular
// expressions or req.headers (src/http/raw-header.ts, fast-poll.ts pollId, auth.ts bearerOf): each
// must read exactly what the regular expression or node's req.headers did.
import { describe, expect, it } from 'vitest';
import { bearerOf } from '../../src/http/auth.js';
import { pollId } from '../../src/http/fast-poll.js';
import { rawHeader } from '../../src/http/raw-header.js';

/** Random text from pieces that sit near the edges of what is accepted. Line terminators are left
 *  out: node's parser refuses them in a request line or a header value before any of this runs. */
function fuzz(pieces: readonly string[], seed: number, n: number): string[] {
  let x = seed;
  const rand = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () => {
    let out = '';
    const parts = Math.floor(rand() * 8);
    for (let i = 0; i < parts; i++) out += pieces[Math.floor(rand() * pieces.length)]!;
    return out;
  });
}

describe('pollId and bearerOf', () => {
  const POLL = /^\/api\/v1\/discovery\/([A-Za-z0-9_-]{1,64})\/next(?:\?.*)?$/;
  const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

  it('When URLs near the edges are read, then pollId gives what the regular expression gives', () => {
    const id64 = 'a'.repeat(64);
    const fixed = [
      '/api/v1/discovery/abc/next',
      '/api/v1/discovery/abc/next?x=1',
      '/api/v1/discovery/abc/next?',
      `/api/v1/discovery/${id64}/next`,
      `/api/v1/discovery/${id64}a/next`,
      '/api/v1/discovery//next',
      '/api/v1/discovery/abc/nextx',
      '/api/v1/discovery/abc/next/',
      '/api/v1/discovery/a.b/next',
      '/api/v1/discovery/A-Z_09/next#x',
      '/API/v1/discovery/abc/next',
      '/api/v1/discovery/abc',
    ];
    const pieces = ['/api/v1/discovery/', 'abc', 'Z9', '_', '-', '.', '/next', '?', 'q=1', '/', '%2F', 'é', ' ', '\u0000', id64];
    for (const url of [...fixed, ...fuzz(pieces, 7, 20_000)]) expect(pollId(url), url).toBe(POLL.exec(url)?.[1]);
  });

  it('When Authorization values near the edges are read, then bearerOf gives what the regular expression gives', () => {
    const fixed = [
      'Bearer x',
      'Bearer ',
      'bearer x',
      'Bearer  x',
      'Bearer x y',
      `Bearer ${'t'.repeat(512)}`,
      `Bearer ${'t'.repeat(513)}`,
      'Bearer ~!',
      'Basic x',
    ];
    const pieces = ['Bearer ', 'Bearer', ' ', 'tok', '~', '!', '\u007f', '\u0080', 'é', '\t', 't'.repeat(200)];
    for (const value of [...fixed, ...fuzz(pieces, 11, 20_000)]) expect(bearerOf(value), value).toBe(BEARER.exec(value)?.[1]);
    expect(bearerOf(undefined)).toBeUndefined();
  });
});

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
