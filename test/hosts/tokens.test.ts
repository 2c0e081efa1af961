import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { hashToken, hostTokenValid, newHostId, newToken, tokenMatches } from '../../src/hosts/tokens.js';

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

  it('When digests are made with the one-shot hash, then they are the sha256 base64url digests stored before it', () => {
    const token = newToken();
    expect(hashToken(token)).toBe(createHash('sha256').update(token).digest('base64url'));
  });

  it('When a digest differs in one character anywhere, or in length, then the token does not match', () => {
    const token = newToken();
    const digest = hashToken(token);
    expect(tokenMatches(token, digest)).toBe(true);
    for (const i of [0, 21, digest.length - 1]) {
      const wrong = digest.slice(0, i) + (digest[i] === 'A' ? 'B' : 'A') + digest.slice(i + 1);
      expect(tokenMatches(token, wrong)).toBe(false);
    }
    expect(tokenMatches(token, digest.slice(0, -1))).toBe(false);
    expect(tokenMatches(token, `${digest}A`)).toBe(false);
    expect(tokenMatches(token, '')).toBe(false);
  });

  it('When a token opened a record before, then a wrong one still does not, a changed digest or expiry counts at once', () => {
    const token = newToken();
    const host: { token_hash: string; token_expires_at?: string } = { token_hash: hashToken(token) };
    expect(hostTokenValid(host, token)).toBe(true);
    expect(hostTokenValid(host, token)).toBe(true);
    expect(hostTokenValid(host, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(hostTokenValid(host, undefined)).toBe(false);
    // The expiry is read again when it changes, on the same record.
    host.token_expires_at = new Date(Date.now() + 60_000).toISOString();
    expect(hostTokenValid(host, token)).toBe(true);
    host.token_expires_at = new Date(Date.now() - 1).toISOString();
    expect(hostTokenValid(host, token)).toBe(false);
    host.token_expires_at = 'not a date';
    expect(hostTokenValid(host, token)).toBe(false);
    delete host.token_expires_at;
    expect(hostTokenValid(host, token)).toBe(true);
    // A new token written into the same record (never done, but cheap to be sure of): the old one no longer opens it.
    const next = newToken();
    host.token_hash = hashToken(next);
    expect(hostTokenValid(host, token)).toBe(false);
    expect(hostTokenValid(host, next)).toBe(true);
  });
});
