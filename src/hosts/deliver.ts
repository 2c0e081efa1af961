// The answer went out (to the %pre's poll, or straight to iPXE): the host is provisioning, and its
// token now lives KICKSTAND_TOKEN_TTL hours at most — it sits in the installer's memory, and an
// installed system must not hold a live secret.
import type { Host } from './host.js';
import { transition } from './lifecycle.js';

export function deliveredHost(host: Host, action: string, ip: string, ttlHours: number, via = ''): Host {
  const moved = transition(host, 'deliver', {
    actor: 'machine',
    ip,
    type: 'delivered',
    message: `${action} answer delivered to ${ip}${via}`,
  });
  const expires = new Date(Date.parse(moved.updated_at) + ttlHours * 3600_000).toISOString();
  return { ...moved, token_expires_at: expires, callbacks: [] };
}

/** iPXE's `?mac=` names a host by MAC alone, with no token, and anyone can send a MAC. Its answer goes
 *  out only to the address the machine itself was last seen at (its polls, its registration) or
 *  reported in its facts; anything else gets the discovery script, which costs the real machine one
 *  extra boot and nothing more (docs/boot.md#ipxe-and-uefi-http-boot). */
export function deliverableByMac(host: Pick<Host, 'last_seen_ip' | 'summary'>, ip: string): boolean {
  return ip === host.last_seen_ip || ip === host.summary.ip;
}
