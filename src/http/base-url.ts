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
// And a connection asks it again at every poll: its last answer is kept with it, for as long as its
// Host header stays the same (the scheme and the local address are the connection's own).
const perConnection = new WeakMap<object, { host: string | undefined; url: string }>();

interface ConnectionSide {
  encrypted?: boolean;
  localAddress?: string | undefined;
  localPort?: number | undefined;
}

export function baseUrl(req: Request, configured: string | undefined): string {
  return baseUrlOf(req.socket, req.headers.host, configured);
}

/** baseUrl from the connection and the Host header alone: the poll's fast path reads the header
 *  from rawHeaders and never builds req.headers (http/fast-poll.ts). */
export function baseUrlOf(socket: ConnectionSide, hostHeader: string | undefined, configured: string | undefined): string {
  if (configured) return configured;
  const last = perConnection.get(socket);
  if (last && last.host === hostHeader) return last.url;
  const key = `${socket.encrypted ? 's' : ''}|${hostHeader ?? ''}|${socket.localAddress ?? ''}|${socket.localPort ?? ''}`;
  let url = memo.get(key);
  if (url === undefined) {
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(key, (url = derive(socket, hostHeader ?? '')));
  }
  perConnection.set(socket, { host: hostHeader, url });
  return url;
}

function derive(socket: ConnectionSide, header: string): string {
  const scheme = socket.encrypted ? 'https' : 'http';
  if (HOST_HEADER.test(header)) {
    const { hostname, port } = splitHost(header);
    if (isIP(hostname)) return `${scheme}://${header}`;
    const local = localAddress(socket);
    if (local) return `${scheme}://${local}${port ? `:${port}` : ''}`;
    return `${scheme}://${header}`;
  }
  const local = localAddress(socket);
  return `${scheme}://${local ?? '127.0.0.1'}:${socket.localPort ?? 80}`;
}

function splitHost(header: string): { hostname: string; port?: string } {
  const url = new URL(`http://${header}`);
  return { hostname: url.hostname.replace(/^\[|\]$/g, ''), ...(url.port ? { port: url.port } : {}) };
}

function localAddress(socket: ConnectionSide): string | undefined {
  const addr = socket.localAddress?.replace(/^::ffff:/, '');
  if (!addr || !isIP(addr)) return undefined;
  return isIP(addr) === 6 ? `[${addr}]` : addr;
}

/** The client's address, without the IPv4-mapped prefix. No proxy trust: machines talk to us directly. */
export function clientIp(req: { socket: { remoteAddress?: string | undefined } }): string {
  const addr = req.socket.remoteAddress ?? 'unknown';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
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
