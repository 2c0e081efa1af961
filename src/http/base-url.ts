// The URL a machine should use to reach us. KICKSTAND_URL wins. Otherwise it is the address the
// machine itself used to fetch the stub, as an IP literal when we can: the %pre runs before Anaconda
// sets up DNS (anaconda.md §2), so a name that worked for dracut may not resolve there.
import { isIP } from 'node:net';
import type { Request } from 'express';
import ipaddr from 'ipaddr.js';

const HOST_HEADER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(?::\d{1,5})?$/;

// The answer depends only on the scheme, the Host header and the local address and port: a rack of
// machines polling the same address asks the same question thousands of times (URL parsing is the
// costly part of a kickstart poll answered from the render cache). Bounded.
const memo = new Map<string, string>();
const MEMO_MAX = 1024;

export function baseUrl(req: Request, configured: string | undefined): string {
  if (configured) return configured;
  const key = `${(req.socket as { encrypted?: boolean }).encrypted ? 's' : ''}|${req.headers.host ?? ''}|${req.socket.localAddress ?? ''}|${req.socket.localPort ?? ''}`;
  let url = memo.get(key);
  if (url === undefined) {
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(key, (url = derive(req)));
  }
  return url;
}

function derive(req: Request): string {
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const header = req.headers.host ?? '';
  if (HOST_HEADER.test(header)) {
    const { hostname, port } = splitHost(header);
    if (isIP(hostname)) return `${scheme}://${header}`;
    const local = localAddress(req);
    if (local) return `${scheme}://${local}${port ? `:${port}` : ''}`;
    return `${scheme}://${header}`;
  }
  const local = localAddress(req);
  return `${scheme}://${local ?? '127.0.0.1'}:${req.socket.localPort ?? 80}`;
}

function splitHost(header: string): { hostname: string; port?: string } {
  const url = new URL(`http://${header}`);
  return { hostname: url.hostname.replace(/^\[|\]$/g, ''), ...(url.port ? { port: url.port } : {}) };
}

function localAddress(req: Request): string | undefined {
  const addr = req.socket.localAddress?.replace(/^::ffff:/, '');
  if (!addr || !isIP(addr)) return undefined;
  return isIP(addr) === 6 ? `[${addr}]` : addr;
}

/** The client's address, without the IPv4-mapped prefix. No proxy trust: machines talk to us directly. */
export function clientIp(req: Request): string {
  return (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
}

/** Why the boot page's URL may not reach machines (docs/web.md#boot-page-warning): `unset` — no
 *  KICKSTAND_URL, the URL is guessed from this browser's request; `loopback` — the URL names this
 *  computer itself (127.0.0.0/8, ::1, localhost); `forwarded` — the browser reached us as localhost
 *  (an SSH tunnel, a container port forward) while the URL shows the address this server saw, one
 *  private to that connection. */
export type BaseUrlWarning = 'unset' | 'loopback' | 'forwarded';

export function baseUrlWarnings(shown: string, configured: string | undefined, hostHeader: string | undefined): BaseUrlWarning[] {
  const warnings: BaseUrlWarning[] = [];
  if (!configured) warnings.push('unset');
  const shownLoopback = isLoopbackName(new URL(shown).hostname);
  if (shownLoopback) warnings.push('loopback');
  else if (!configured && hostHeader && HOST_HEADER.test(hostHeader) && isLoopbackName(splitHost(hostHeader).hostname))
    warnings.push('forwarded');
  return warnings;
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped), `localhost` and names under `.localhost` (RFC 6761). */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost') || name === 'localhost.localdomain') return true;
  if (!ipaddr.isValid(name)) return false;
  return ipaddr.process(name).range() === 'loopback';
}
