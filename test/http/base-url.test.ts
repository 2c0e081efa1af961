// Which URL the stub and `next` carry when KICKSTAND_URL is not set.
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { baseUrl, baseUrlOf } from '../../src/http/base-url.js';

function req(host: string | undefined, localAddress = '::ffff:192.0.2.10', localPort = 8080): Request {
  return { headers: host === undefined ? {} : { host }, socket: { localAddress, localPort } } as unknown as Request;
}

describe('baseUrl', () => {
  it('When KICKSTAND_URL is configured, then it wins', () => {
    expect(baseUrl(req('kickstand:8080'), 'http://203.0.113.5:9000')).toBe('http://203.0.113.5:9000');
  });

  it('When the machine used an IP literal, then that is the base URL', () => {
    expect(baseUrl(req('192.0.2.10:8080'), undefined)).toBe('http://192.0.2.10:8080');
    expect(baseUrl(req('[2001:db8::10]:8080', '2001:db8::10'), undefined)).toBe('http://[2001:db8::10]:8080');
  });

  it('When the machine used a name, then the local IP it reached is used (the %pre may have no DNS), with its port', () => {
    expect(baseUrl(req('kickstand.example.com:8080'), undefined)).toBe('http://192.0.2.10:8080');
    expect(baseUrl(req('kickstand.example.com'), undefined)).toBe('http://192.0.2.10');
    expect(baseUrl(req('kickstand:8080', '2001:db8::10'), undefined)).toBe('http://[2001:db8::10]:8080');
  });

  it.each(['evil"host', "a'b:80", 'x y', '$(reboot)', ''])('When the Host header is %j, then it is not trusted', (host) => {
    expect(baseUrl(req(host), undefined)).toBe('http://192.0.2.10:8080');
  });

  it('When one connection asks again with another Host header, then the answer follows the header, not the last one', () => {
    const socket = { localAddress: '192.0.2.10', localPort: 8080 };
    expect(baseUrlOf(socket, '198.51.100.7:8080', undefined)).toBe('http://198.51.100.7:8080');
    expect(baseUrlOf(socket, '198.51.100.7:8080', undefined)).toBe('http://198.51.100.7:8080');
    expect(baseUrlOf(socket, 'evil"host', undefined)).toBe('http://192.0.2.10:8080');
    expect(baseUrlOf(socket, undefined, undefined)).toBe('http://192.0.2.10:8080');
    expect(baseUrlOf(socket, '198.51.100.8', undefined)).toBe('http://198.51.100.8');
    expect(baseUrlOf({ ...socket, localAddress: '192.0.2.11' }, 'kickstand', undefined)).toBe('http://192.0.2.11');
  });
});
