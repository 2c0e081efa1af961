// A host's boot key (docs/operations.md#boot-keys): set, generated or cleared by an admin. With a key,
// a registration is this host only when it presents the key (conflict.ts); the per-MAC boot entries
// carry it (src/boot/per-host.ts). It is returned to the admin who set it, and later only through the
// admin-only per-MAC entries: never through a host view.
import type { CallerWith } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError, errors } from '../errors.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import { addEvent, type Host } from './host.js';
import { newToken } from './tokens.js';

// It lands on a kernel command line and in loader configs: no spaces, quotes or metacharacters.
const KEY = /^[A-Za-z0-9_-]{16,128}$/;

type BootKeyDeps = AuditDeps & Pick<Deps, 'hostsLock'>;

/** `key` undefined: a new random one (128 bits). Returns the key, shown once. */
export async function setBootKey(
  deps: BootKeyDeps,
  id: string,
  key: string | undefined,
  caller: CallerWith<'ip'>,
): Promise<{ host: Host; key: string }> {
  if (key !== undefined && !KEY.test(key))
    throw new AppError('VALIDATION', 'key must be 16 to 128 characters of A-Z, a-z, 0-9, _ and -', 'key');
  const chosen = key ?? newToken();
  const host = await change(
    deps,
    id,
    caller,
    (h) => ({ ...h, boot_key: chosen }),
    'boot key set: only a registration presenting it is this host from now on',
  );
  await audit(deps, caller.actor, 'host.boot-key-set', id);
  return { host, key: chosen };
}

export async function clearBootKey(deps: BootKeyDeps, id: string, caller: CallerWith<'ip'>): Promise<Host> {
  const host = await change(
    deps,
    id,
    caller,
    (h) => {
      const { boot_key: _gone, ...rest } = h;
      return rest;
    },
    'boot key cleared',
  );
  await audit(deps, caller.actor, 'host.boot-key-clear', id);
  return host;
}

async function change(
  deps: Pick<Deps, 'hostsLock' | 'store'>,
  id: string,
  { actor, ip }: CallerWith<'ip'>,
  edit: (h: Host) => Host,
  message: string,
): Promise<Host> {
  const { host, durable } = await deps.hostsLock.run(async () => {
    const current = await deps.store.hosts.get(id);
    if (!current) throw errors.hostNotFound(id);
    const next = edit({ ...current, events: [...current.events], updated_at: new Date().toISOString() });
    addEvent(next, { type: 'boot-key', actor, ip, message });
    return { host: next, durable: deps.store.hosts.save(next) };
  });
  await durable;
  return host;
}
