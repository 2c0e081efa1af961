import { describe, expect, it } from 'vitest';
import { ConfigError, SECRET_VARIABLES, checkPublicUrl, loadConfig, takeSecret } from '../../src/config.js';

describe('loadConfig', () => {
  it('When nothing is set, then the documented defaults apply', () => {
    const c = loadConfig({}, '/srv/kickstand');
    expect(c).toMatchObject({
      port: 8080,
      bind: '0.0.0.0',
      dataDir: '/srv/kickstand/data',
      templatesDir: '/srv/kickstand/kickstarts',
      pollInterval: 5,
      logLevel: 'info',
    });
    expect(c.publicUrl).toBeUndefined();
    expect(c.adminToken).toBeUndefined();
  });

  it('When several values are bad, then one error lists each by name and never echoes the token', () => {
    let err: unknown;
    try {
      loadConfig({
        PORT: '80a',
        KICKSTAND_URL: 'ftp://x',
        KICKSTAND_ADMIN_TOKEN: 'short secret',
        KICKSTAND_POLL_INTERVAL: '0',
        KICKSTAND_LOG_LEVEL: 'loud',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const name of [
      'PORT="80a"',
      'KICKSTAND_URL="ftp://x"',
      'KICKSTAND_ADMIN_TOKEN',
      'KICKSTAND_POLL_INTERVAL="0"',
      'KICKSTAND_LOG_LEVEL="loud"',
    ])
      expect(msg).toContain(name);
    expect(msg).not.toContain('short secret');
  });

  it('When KICKSTAND_URL has a trailing slash, then it is dropped', () => {
    expect(loadConfig({ KICKSTAND_URL: 'http://192.0.2.10:8080/' }).publicUrl).toBe('http://192.0.2.10:8080');
  });

  it.each(['http://x/"$(reboot)"', 'http://x/?a=1', 'http://user:pw@x/', 'javascript:alert(1)', 'not a url'])(
    'When KICKSTAND_URL is %s, then it is refused (it lands in shell)',
    (url) => expect(checkPublicUrl(url)).toHaveProperty('problem'),
  );

  it('When the admin token and password come from process.env, then the config holds them and process.env no longer does', () => {
    const saved = { ...process.env };
    try {
      process.env.KICKSTAND_ADMIN_TOKEN = 'env-admin-token-0123456789';
      process.env.KICKSTAND_ADMIN_PASSWORD = 'env-admin-password-123';
      const c = loadConfig();
      expect(c.adminToken).toBe('env-admin-token-0123456789');
      expect(c.adminPassword).toBe('env-admin-password-123');
      for (const name of SECRET_VARIABLES.slice(0, 2)) expect(process.env[name]).toBeUndefined();
      expect(JSON.stringify(process.env)).not.toContain('env-admin-');
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it('When a secret is taken from an environment object a caller built, then that object is left as it is', () => {
    const env = { KICKSTAND_USER_PASSWORD: 'user-password-123' };
    expect(takeSecret(env, 'KICKSTAND_USER_PASSWORD')).toBe('user-password-123');
    expect(env.KICKSTAND_USER_PASSWORD).toBe('user-password-123');
  });
});
