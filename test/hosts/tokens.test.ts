import { describe, expect, it } from 'vitest';
import { hashToken, hostTokenValid, newHostId, newToken } from '../../src/hosts/tokens.js';

describe('host tokens and ids drawn from the random pool', () => {
  it('When thousands of tokens and ids are drawn across many pool refills, then none repeats and each has its size', () => {
    // 4 KB pool: 16 bytes a token, 12 an id, so this crosses ~200 refills.
    const tokens = new Set<string>();
    const ids = new Set<string>();
    for (let i = 0; i < 30_000; i++) {
      tokens.add(newToken());
      ids.add(newHostId());
    }
    expect(tokens.size).toBe(30_000);
    expect(ids.size).toBe(30_000);
    for (const t of [...tokens].slice(0, 100)) expect(Buffer.from(t, 'base64url')).toHaveLength(16);
    for (const id of [...ids].slice(0, 100)) expect(id).toMatch(/^[a-z2-7]{12}$/);
  });

  it('When a token is checked, then only its own digest opens the host', () => {
    const token = newToken();
    const host = { token_hash: hashToken(token) };
    expect(hostTokenValid(host, token)).toBe(true);
    expect(hostTokenValid(host, newToken())).toBe(false);
    expect(hostTokenValid(host, undefined)).toBe(false);
    expect(hostTokenValid({ token_hash: '' }, token)).toBe(false);
  });
});
