// The boot page's warning (src/http/base-url.ts baseUrlWarnings): a URL machines will not reach —
// no KICKSTAND_URL, a loopback address, or a browser that came in through a tunnel as localhost.
import { describe, expect, it } from 'vitest';
import { baseUrlWarnings, isLoopbackName } from '../../src/http/base-url.js';

describe('base URL warnings', () => {
  it('When names are loopback or not, then isLoopbackName says so', () => {
    for (const name of ['localhost', 'LOCALHOST', 'kickstand.localhost', '127.0.0.1', '127.4.5.6', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(isLoopbackName(name), name).toBe(true);
    for (const name of ['192.0.2.10', '10.0.0.1', '::2', 'kickstand.example.com', 'localhost.example.com', '128.0.0.1'])
      expect(isLoopbackName(name), name).toBe(false);
  });

  it('When KICKSTAND_URL is unset, then "unset", plus "loopback" for a loopback URL and "forwarded" for a browser that came as localhost', () => {
    expect(baseUrlWarnings('http://192.0.2.10:8080', undefined, '192.0.2.10:8080')).toEqual(['unset']);
    expect(baseUrlWarnings('http://127.0.0.1:8080', undefined, '127.0.0.1:8080')).toEqual(['unset', 'loopback']);
    expect(baseUrlWarnings('http://[::1]:8080', undefined, '[::1]:8080')).toEqual(['unset', 'loopback']);
    // docker run -p 8080:8080, browser on the host: Host says localhost, the server saw its container address.
    expect(baseUrlWarnings('http://172.17.0.2:8080', undefined, 'localhost:8080')).toEqual(['unset', 'forwarded']);
  });

  it('When KICKSTAND_URL is set, then no warning unless it is itself loopback', () => {
    expect(baseUrlWarnings('http://192.0.2.10:8080', 'http://192.0.2.10:8080', 'localhost:8080')).toEqual([]);
    expect(baseUrlWarnings('https://ks.example.com', 'https://ks.example.com', undefined)).toEqual([]);
    expect(baseUrlWarnings('http://localhost:8080', 'http://localhost:8080', 'localhost:8080')).toEqual(['loopback']);
  });
});
