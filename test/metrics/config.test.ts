// The variables of the metrics endpoint and the log format: defaults, values, and bad values reported by
// name (never echoing the token).
import { describe, expect, it } from 'vitest';
import { ConfigError, SECRET_VARIABLES, loadConfig } from '../../src/config.js';

function problems(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env, '/srv', false);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('no ConfigError');
}

describe('metrics and log format configuration', () => {
  it('When nothing is set, then /metrics is on without a token, and logs are JSON off a terminal and pretty on one', () => {
    expect(loadConfig({}, '/srv', false)).toMatchObject({ metrics: true, metricsToken: undefined, logFormat: 'json' });
    expect(loadConfig({}, '/srv', true).logFormat).toBe('pretty');
  });

  it('When they are set, then they win over the terminal guess', () => {
    const c = loadConfig(
      { KICKSTAND_METRICS: 'off', KICKSTAND_METRICS_TOKEN: 'scrape-token-0123456789', KICKSTAND_LOG_FORMAT: 'json' },
      '/srv',
      true,
    );
    expect(c).toMatchObject({ metrics: false, metricsToken: 'scrape-token-0123456789', logFormat: 'json' });
    expect(loadConfig({ KICKSTAND_LOG_FORMAT: 'pretty' }, '/srv', false).logFormat).toBe('pretty');
  });

  it('When the values are bad, then one error names each variable, and the token is never echoed', () => {
    const msg = problems({ KICKSTAND_LOG_FORMAT: 'colour', KICKSTAND_METRICS: 'yes', KICKSTAND_METRICS_TOKEN: 'short secret' });
    expect(msg).toContain('KICKSTAND_LOG_FORMAT="colour": must be one of json, pretty');
    expect(msg).toContain('KICKSTAND_METRICS="yes": must be on or off');
    expect(msg).toContain('KICKSTAND_METRICS_TOKEN: must be 16 to 256 printable characters');
    expect(msg).not.toContain('short secret');
  });

  it('When the metrics token comes from process.env, then it is taken out of it like every secret', () => {
    expect(SECRET_VARIABLES).toContain('KICKSTAND_METRICS_TOKEN');
    const saved = process.env.KICKSTAND_METRICS_TOKEN;
    try {
      process.env.KICKSTAND_METRICS_TOKEN = 'env-scrape-token-0123456789';
      expect(loadConfig(process.env, '/srv', false).metricsToken).toBe('env-scrape-token-0123456789');
      expect(process.env.KICKSTAND_METRICS_TOKEN).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.KICKSTAND_METRICS_TOKEN;
      else process.env.KICKSTAND_METRICS_TOKEN = saved;
    }
  });
});
