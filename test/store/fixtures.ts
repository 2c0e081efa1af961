// Host records and fault injection for the store tests.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Host } from '../../src/hosts/host.js';

export function host(id: string, mac: string, extra: Partial<Host> = {}): Host {
  const now = new Date().toISOString();
  return {
    id,
    state: 'discovered',
    boot_mac: mac,
    macs: [mac],
    token_hash: 'h',
    summary: { disk_count: 0, disk_total_bytes: 0, nic_count: 1, kexec: false },
    created_at: now,
    updated_at: now,
    last_seen_at: now,
    events: [],
    ...extra,
  };
}

/** A file's bytes as something cheap to compare (vitest compares Buffers byte by byte: seconds for 100 KB). */
export function bytes(b: Buffer): { length: number; sha256: string } {
  return { length: b.length, sha256: createHash('sha256').update(b).digest('hex') };
}

export function errno(code: string, call = 'write'): NodeJS.ErrnoException {
  const what: Record<string, string> = { ENOSPC: 'no space left on device', EIO: 'i/o error', EROFS: 'read-only file system' };
  return Object.assign(new Error(`${code}: ${what[code] ?? 'failed'}, ${call}`), { code });
}

/** A file handle that behaves like one on a disk that fills up: the next `write` puts down only `bytes`
 *  bytes and returns a short count (as write(2) does), the call after it fails with ENOSPC. Other
 *  methods can be made to fail once with `failNext`. */
export function fillingUp(handle: FileHandle, bytes: number) {
  let allowance: number | undefined = bytes;
  const failing = new Map<string, NodeJS.ErrnoException>();
  const proxy = new Proxy(handle, {
    get(target, prop, receiver) {
      const name = String(prop);
      if (failing.has(name)) {
        return async () => {
          const err = failing.get(name)!;
          failing.delete(name);
          throw err;
        };
      }
      if (prop === 'write' && allowance !== undefined) {
        return async (buf: Buffer, offset = 0, length = buf.length - offset, position: number | null = null) => {
          if (allowance === undefined) return target.write(buf, offset, length, position);
          if (allowance === 0) {
            allowance = undefined;
            throw errno('ENOSPC');
          }
          const r = await target.write(buf, offset, Math.min(length, allowance), position);
          allowance = 0;
          return r;
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    handle: proxy,
    failNext(method: 'truncate' | 'datasync' | 'read', code = 'EIO') {
      failing.set(method, errno(code, method));
    },
  };
}
