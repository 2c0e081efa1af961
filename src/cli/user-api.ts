// `kickstand user …` while the service runs: the service keeps the data file in memory and rewrites it
// whole, so a second writer would be undone (store/file/data-lock.ts). Instead the CLI asks the running
// service, over its own admin API on this machine, with the admin token (KICKSTAND_ADMIN_TOKEN or the
// data dir's admin-token file). The service makes the change the one way it always does, so a delete,
// a password reset or a role change ends that user's sessions and tokens at once there too.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ADMIN_TOKEN_FILE } from '../admin-token.js';
import type { Config } from '../config.js';
import type { DataDirBusy } from '../store/file/data-lock.js';
import { messageOf } from '../errors.js';

export class ServiceApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceApiError';
  }
}

export interface UserApi {
  call(method: string, route: string, body?: object): Promise<Record<string, unknown>>;
}

/** The token the CLI shows the running service: KICKSTAND_ADMIN_TOKEN, else the data dir's admin-token
 *  file; empty when neither is there. */
export async function serviceToken(config: Config): Promise<string> {
  return config.adminToken ?? (await readFile(path.join(config.dataDir, ADMIN_TOKEN_FILE), 'utf-8').catch(() => '')).trim();
}

/** Where this machine reaches the running service: its bind address (loopback when it listens on every
 *  address) and port. */
export function serviceBaseUrl(config: Config): string {
  const host =
    config.bind === '0.0.0.0' ? '127.0.0.1' : config.bind === '::' ? '[::1]' : config.bind.includes(':') ? `[${config.bind}]` : config.bind;
  return `http://${host}:${config.port}`;
}

/** A client of the service holding the data dir, or a ServiceApiError saying why there is none. */
export async function serviceApi(config: Config, busy: DataDirBusy): Promise<UserApi> {
  const token = await serviceToken(config);
  if (!token) throw new ServiceApiError(`${busy.message}; to go through it, set KICKSTAND_ADMIN_TOKEN as the service has it`);
  // The service listens on every address by default: this machine reaches it on loopback.
  const base = serviceBaseUrl(config);
  return {
    async call(method, route, body) {
      let res: Response;
      try {
        res = await fetch(`${base}${route}`, {
          method,
          headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(30_000),
        });
      } catch (err) {
        throw new ServiceApiError(
          `${busy.message}; its API at ${base} did not answer (${messageOf(err)}): set PORT and KICKSTAND_BIND as the service has them`,
        );
      }
      const text = await res.text();
      const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      if (!res.ok) {
        const error = json.error as { message?: string } | undefined;
        throw new ServiceApiError(`the running service refused: ${error?.message ?? `HTTP ${res.status}`}`);
      }
      return json;
    },
  };
}
