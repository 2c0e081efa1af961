// The few dependencies the BMC configuration use cases take, over the in-memory store, with a log that
// keeps every line (to search it for a password).
import { randomBytes } from 'node:crypto';
import type { Deps } from '../../src/deps.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { Mutex } from '../../src/util/mutex.js';

export function bmcDeps() {
  const lines: unknown[] = [];
  const keep = (...args: unknown[]) => void lines.push(args);
  const log = { info: keep, warn: keep, error: keep, debug: keep } as unknown as Deps['log'];
  return {
    store: new MemoryStore(),
    secrets: new SecretBox(randomBytes(32)),
    hostsLock: new Mutex(),
    log,
    lines,
    config: { bmcNetworks: ['10.0.0.0/8'] },
  };
}

export const CALLER = { actor: 'alice', ip: '192.0.2.1' };
