// The answer went out (to the %pre's poll, or straight to iPXE): the host is provisioning, and its
// token now lives KICKSTAND_TOKEN_TTL hours at most — it sits in the installer's memory, and an
// installed system must not hold a live secret.
import type { Host } from './host.js';
import { transition } from './lifecycle.js';

export function deliveredHost(host: Host, action: string, ip: string, ttlHours: number, via = ''): Host {
  const moved = transition(host, 'deliver', { actor: 'machine', ip, type: 'delivered', message: `${action} answer delivered to ${ip}${via}` });
  const expires = new Date(Date.parse(moved.updated_at) + ttlHours * 3600_000).toISOString();
  return { ...moved, token_expires_at: expires, callbacks: [] };
}
