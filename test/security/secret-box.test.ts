// The secret-params rule and the box that keeps them: which names are secrets, passwords hashed once,
// other secrets sealed once and opened only with the data dir's own key.
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pwhash } from '../../src/kickstart/render/filters.js';
import { sha512Crypt } from '../../src/kickstart/sha512-crypt.js';
import { SecretBox, SEALED_PREFIX } from '../../src/secrets/secret-box.js';
import { keepMasked } from '../../src/secrets/keep-masked.js';
import { isSecretParam, maskParams } from '../../src/secrets/secret-params.js';
import { loadSecretKey } from '../../src/secrets/secret-key.js';
import { tempDir } from '../support/temp.js';

describe('secret params', () => {
  it('When a param is named root_password, *_password, *_secret, *_token or *_key, then it is a secret; other names are not', () => {
    for (const n of ['root_password', 'db_password', 'app_secret', 'vault_token', 'api_key', 'ssh_host_key'])
      expect(isSecretParam(n), n).toBe(true);
    for (const n of ['password', 'root_password_hash', 'ssh_keys', 'keyboard', 'token_ttl', 'secretary', 'repo'])
      expect(isSecretParam(n), n).toBe(false);
    expect(maskParams({ root_password: 'a', repo: 'r' })).toEqual({ root_password: '***', repo: 'r' });
  });

  it('When params are protected, then passwords become a SHA-512 crypt hash pwhash passes through, other secrets a sealed value only this key opens; protecting again changes nothing', () => {
    const box = new SecretBox(randomBytes(32));
    const stored = box.protect({ root_password: 'pw-1', api_key: 'k-1', keys: { a: 1 }, db_token: { nested: [1, 2] }, repo: 'http://m/' });
    expect(sha512Crypt('pw-1', stored.root_password as string)).toBe(stored.root_password);
    expect(pwhash(stored.root_password)).toBe(stored.root_password);
    expect(stored.api_key).toMatch(new RegExp(`^${SEALED_PREFIX}`));
    expect(JSON.stringify(stored)).not.toContain('k-1');
    expect(box.protect(stored)).toBe(stored);
    expect(box.open(stored)).toEqual({
      root_password: stored.root_password,
      api_key: 'k-1',
      keys: { a: 1 },
      db_token: { nested: [1, 2] },
      repo: 'http://m/',
    });
    // Another data dir's key, or a tampered value: refused naming the param, never opened wrong.
    expect(() => new SecretBox(randomBytes(32)).open(stored)).toThrow(/params\.api_key was sealed with another key/);
    const raw = Buffer.from((stored.api_key as string).slice(SEALED_PREFIX.length), 'base64url');
    raw[raw.length - 1]! ^= 1;
    const tampered = `${SEALED_PREFIX}${raw.toString('base64url')}`;
    expect(() => box.open({ api_key: tampered })).toThrow(/params\.api_key/);
  });

  it('When "***" comes back for a secret, then the kept value stands in; for a name with nothing kept, it is refused', () => {
    expect(keepMasked({ root_password: '***', repo: 'r' }, { root_password: '$6$a$b' })).toEqual({ root_password: '$6$a$b', repo: 'r' });
    expect(keepMasked({ repo: '***' }, {})).toEqual({ repo: '***' });
    expect(() => keepMasked({ api_key: '***' }, {})).toThrow(/params\.api_key/);
  });

  it('When secret.key is missing it is made (32 bytes, 0600) and kept; an empty one (a power cut before its sync) is replaced; a truncated one stops the start naming it', async () => {
    const dir = await tempDir('kickstand-key-');
    const key = await loadSecretKey(dir);
    const file = path.join(dir, 'secret.key');
    expect(key.length).toBe(32);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await loadSecretKey(dir)).toEqual(key);
    await writeFile(file, '');
    expect((await loadSecretKey(dir)).length).toBe(32);
    expect((await readFile(file)).length).toBe(32);
    await writeFile(file, key.subarray(0, 5));
    await expect(loadSecretKey(dir)).rejects.toThrow(`${file}: holds 5 bytes, not 32`);
  });
});
